{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "novel-pyramid.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name: the release name, plus the chart name unless the release already contains it. */}}
{{- define "novel-pyramid.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "novel-pyramid.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "novel-pyramid.labels" -}}
helm.sh/chart: {{ include "novel-pyramid.chart" . }}
{{ include "novel-pyramid.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "novel-pyramid.selectorLabels" -}}
app.kubernetes.io/name: {{ include "novel-pyramid.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Name of the operator's ServiceAccount. */}}
{{- define "novel-pyramid.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (printf "%s-operator" (include "novel-pyramid.fullname" .)) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name of the NovelTool, and prefix of the app's resources; 40 characters leave room for the suffixes. */}}
{{- define "novel-pyramid.appName" -}}
{{- default (include "novel-pyramid.fullname" .) .Values.app.name | trunc 40 | trimSuffix "-" }}
{{- end }}

{{/* An image by digest when one is given (what runs cannot change under the same name), else by tag. */}}
{{- define "novel-pyramid.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{- define "novel-pyramid.appImage" -}}
{{- include "novel-pyramid.image" (dict "root" . "image" .Values.app.image) }}
{{- end }}

{{- define "novel-pyramid.operatorImage" -}}
{{- include "novel-pyramid.image" (dict "root" . "image" .Values.operator.image) }}
{{- end }}

{{/* Labels of one app component in direct mode; the same keys the operator puts on its children. */}}
{{- define "novel-pyramid.appSelectorLabels" -}}
app.kubernetes.io/name: novel-pyramid
app.kubernetes.io/instance: {{ include "novel-pyramid.appName" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "novel-pyramid.appLabels" -}}
{{ include "novel-pyramid.appSelectorLabels" . }}
helm.sh/chart: {{ include "novel-pyramid.chart" .root }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Environment variable of each NovelTool setting (the app's contract). */}}
{{- define "novel-pyramid.settingsEnv" -}}
geminiModel: GEMINI_MODEL
geminiBaseUrl: GEMINI_BASE_URL
normalizer: NOVEL_NORMALIZER
jwtAccessTokenExpiresHours: JWT_ACCESS_TOKEN_EXPIRES_HOURS
jwtRefreshTokenExpiresDays: JWT_REFRESH_TOKEN_EXPIRES_DAYS
googleCertsUrl: GOOGLE_CERTS_URL
googleTokenUrl: GOOGLE_TOKEN_URL
googleApiEndpoint: GOOGLE_API_ENDPOINT
corsOrigins: CORS_ORIGINS
maxFileSize: MAX_FILE_SIZE
ratelimitEnabled: RATELIMIT_ENABLED
logLevel: LOG_LEVEL
logFormat: LOG_FORMAT
{{- end }}

{{/* Environment variable of each secret key. */}}
{{- define "novel-pyramid.secretEnv" -}}
databaseUrl: DATABASE_URL
redisUrl: REDIS_URL
celeryBrokerUrl: CELERY_BROKER_URL
geminiApiKey: GEMINI_API_KEY
jwtSecretKey: JWT_SECRET_KEY
secretKey: SECRET_KEY
googleClientId: GOOGLE_CLIENT_ID
googleClientSecret: GOOGLE_CLIENT_SECRET
{{- end }}

{{- define "novel-pyramid.iniPath" -}}
{{- if .Values.app.productionIni }}/etc/novel-pyramid/production.ini{{ else }}/app/production.ini{{ end }}
{{- end }}

{{/* ConfigMap data in direct mode: the non-secret environment, and the INI if one is given. */}}
{{- define "novel-pyramid.configData" -}}
{{- $env := include "novel-pyramid.settingsEnv" . | fromYaml }}
{{- range $key, $value := .Values.app.settings }}
{{- /* Numbers from YAML are float64 in Helm: print whole numbers without an exponent. */}}
{{- if kindIs "float64" $value }}
{{ get $env $key }}: {{ $value | int64 | toString | quote }}
{{- else }}
{{ get $env $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}
NOVEL_PYRAMID_INI: {{ include "novel-pyramid.iniPath" . | quote }}
{{- with .Values.app.productionIni }}
production.ini: |
{{ . | indent 2 }}
{{- end }}
{{- end }}

{{/* Secret references as container env entries; the broker defaults to the Redis URL. */}}
{{- define "novel-pyramid.secretEnvEntries" -}}
{{- $env := include "novel-pyramid.secretEnv" . | fromYaml }}
{{- $keys := .Values.app.secretKeys }}
{{- range $name := list "databaseUrl" "redisUrl" "celeryBrokerUrl" "geminiApiKey" "jwtSecretKey" "secretKey" "googleClientId" "googleClientSecret" }}
{{- $key := get $keys $name }}
{{- if and (eq $name "celeryBrokerUrl") (not $key) }}
{{- $key = $keys.redisUrl }}
{{- end }}
{{- if $key }}
- name: {{ get $env $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.app.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end }}

{{/* Volumes of app pods: a writable /tmp (the root filesystem is read-only), and the INI if given. */}}
{{- define "novel-pyramid.appVolumes" -}}
- name: tmp
  emptyDir: {}
{{- if .root.Values.app.productionIni }}
- name: config
  configMap:
    name: {{ .configMap }}
    items:
      - key: production.ini
        path: production.ini
{{- end }}
{{- end }}

{{- define "novel-pyramid.appVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.app.productionIni }}
- name: config
  mountPath: /etc/novel-pyramid
  readOnly: true
{{- end }}
{{- end }}

{{/*
Placement fields of one component's pods ("spread": a Deployment's, with topology spread); the
operator's manifests.scheduling builds the same: the component's keys over app.scheduling, and
without constraints of its own a soft spread over nodes whatever the replica count (an autoscaler
crossing one replica must not change the pod template).
*/}}
{{- define "novel-pyramid.appScheduling" -}}
{{- $shared := .root.Values.app.scheduling | default dict }}
{{- $own := (get .root.Values.app .component).scheduling | default dict }}
{{- $s := dict }}
{{- range $key := list "nodeSelector" "tolerations" "affinity" "topologySpreadConstraints" "spreadByHostname" }}
{{- if hasKey $own $key }}
{{- $_ := set $s $key (get $own $key) }}
{{- else if hasKey $shared $key }}
{{- $_ := set $s $key (get $shared $key) }}
{{- end }}
{{- end }}
{{- with $s.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $s.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $s.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .spread }}
{{- $match := dict "matchLabels" (include "novel-pyramid.appSelectorLabels" . | fromYaml) }}
{{- $constraints := list }}
{{- range $s.topologySpreadConstraints }}
{{- $constraint := deepCopy . }}
{{- if not (hasKey $constraint "labelSelector") }}
{{- $_ := set $constraint "labelSelector" $match }}
{{- end }}
{{- $constraints = append $constraints $constraint }}
{{- end }}
{{- $byHostname := true }}
{{- if hasKey $s "spreadByHostname" }}
{{- $byHostname = $s.spreadByHostname }}
{{- end }}
{{- if and (not $constraints) $byHostname }}
{{- $constraints = list (dict "maxSkew" 1 "topologyKey" "kubernetes.io/hostname" "whenUnsatisfiable" "ScheduleAnyway" "labelSelector" $match) }}
{{- end }}
{{- with $constraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}

{{/* METRICS_PORT of a scraped container (web, realtime, worker); nothing listens without it. */}}
{{- define "novel-pyramid.metricsEnv" -}}
{{- if .Values.metrics.enabled }}
- name: METRICS_PORT
  value: {{ .Values.metrics.port | quote }}
{{- end }}
{{- end }}

{{- define "novel-pyramid.metricsPort" -}}
{{- if .Values.metrics.enabled }}
- name: metrics
  containerPort: {{ .Values.metrics.port }}
  protocol: TCP
{{- end }}
{{- end }}

{{- define "novel-pyramid.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{ toYaml . | indent 2 }}
{{- end }}
{{- end }}

{{/*
Least privilege: the operator reads and patches NovelTools, creates and patches
only the kinds of children it owns, reads Job pods for the migrated revision and
the broker Secret for the queue length (only the Secrets named in the values), and posts Events. The garbage collector
deletes the children with their NovelTool (owner references); the operator
itself deletes only the realtime Deployment and Service it made, when
spec.realtime.enabled is switched off.
*/}}
{{- define "novel-pyramid.operatorRules" -}}
- apiGroups: ["frenchnoveltool.dev"]
  resources: ["noveltools"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["frenchnoveltool.dev"]
  resources: ["noveltools/status"]
  verbs: ["get", "patch"]
- apiGroups: ["frenchnoveltool.dev"]
  # Needed to set blockOwnerDeletion on the children's owner references.
  resources: ["noveltools/finalizers"]
  verbs: ["update"]
{{- /* Children are written by server-side apply (patch; create when missing), and the
Deployments and Jobs watched (list, watch) so that the status follows them at once. */}}
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "patch"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
{{- /* Only the Secrets the NovelTools reference (the broker URL, for the queue length). */}}
{{- $secrets := .Values.operator.secretNames }}
{{- if .Values.app.create }}
{{- $secrets = append $secrets .Values.app.existingSecret }}
{{- end }}
{{- with ($secrets | uniq) }}
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames: {{ toJson . }}
  verbs: ["get"]
{{- end }}
- apiGroups: ["", "events.k8s.io"]
  resources: ["events"]
  verbs: ["create"]
{{- end }}
