"""Drive steps of a Sheets export: moving a new spreadsheet into a folder, and sharing it.

Sharing creates one Drive permission per collaborator (a writer) and, for a
public link, one "anyone with the link" reader that search does not list.
Collaborators are sent Google's invitation e-mail: Drive shares with an
address that has no Google account only that way, and the invitation is how a
collaborator learns where the spreadsheet is.

We hold the ``drive.file`` scope, under which Drive lets us share only the
files this application created (or the user opened with it); Drive answers
"not found" for any other, which we report as such.
"""

from novel_pyramid.errors import Forbidden, InvalidInput

DRIVE_CANNOT_SEE_MESSAGE = (
    "Google Drive lets this application share only the spreadsheets it created; "
    "share this one from Google Drive instead"
)


def folder_not_found(folder_id):
    return InvalidInput(
        "The Google Drive folder was not found or you cannot add files to it",
        details={"folder_id": [f"Folder {folder_id!r} was not found or is not writable"]},
    )


def move_to_folder(google, spreadsheet_id, folder_id):
    drive_files = google.drive.files()
    current = google.call(
        drive_files.get(fileId=spreadsheet_id, fields="parents", supportsAllDrives=True),
        "read the spreadsheet's folder",
    )
    google.call(
        drive_files.update(
            fileId=spreadsheet_id,
            addParents=folder_id,
            removeParents=",".join(current.get("parents", [])),
            fields="id,parents",
            supportsAllDrives=True,
        ),
        "move the spreadsheet into the folder",
        # Drive answers 404 for a folder that does not exist or is not shared with us.
        errors={404: lambda: folder_not_found(folder_id)},
    )


def collaborators(emails, owner_email):
    """The addresses to share with, once each (ignoring case), without the owner's own."""
    chosen, seen = [], {(owner_email or "").casefold()}
    for email in emails:
        if email.casefold() not in seen:
            seen.add(email.casefold())
            chosen.append(email)
    return chosen


def share(google, spreadsheet_id, writers, public_link):
    """Give each of ``writers`` edit access, and anyone with the link read access when ``public_link``."""
    permissions = google.drive.permissions()
    for email in writers:
        google.call(
            permissions.create(
                fileId=spreadsheet_id,
                body={"type": "user", "role": "writer", "emailAddress": email},
                sendNotificationEmail=True,
                supportsAllDrives=True,
                fields="id",
            ),
            f"share the spreadsheet with {email}",
            errors=_sharing_errors("share_with", f"share the spreadsheet with {email}"),
        )
    if public_link:
        google.call(
            permissions.create(
                fileId=spreadsheet_id,
                body={"type": "anyone", "role": "reader", "allowFileDiscovery": False},
                supportsAllDrives=True,
                fields="id",
            ),
            "share the spreadsheet by link",
            errors=_sharing_errors("public_link", "share the spreadsheet with anyone who has the link"),
        )


def _sharing_errors(field, action):
    def refused():
        message = f"Google Drive refused to {action}; check the address and try again"
        return InvalidInput(message, details={field: [message]})

    def forbidden():
        message = f"Google Drive did not allow you to {action}"
        return Forbidden(message, details={field: [message]})

    def not_visible():
        return Forbidden(DRIVE_CANNOT_SEE_MESSAGE, details={field: [DRIVE_CANNOT_SEE_MESSAGE]})

    return {400: refused, 403: forbidden, 404: not_visible}
