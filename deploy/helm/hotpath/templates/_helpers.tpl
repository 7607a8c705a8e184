{{/* Names and labels. */}}
{{- define "hotpath.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "hotpath.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one process: (dict "root" $ "component" "api"). */}}
{{- define "hotpath.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Variables that hold credentials: the chart refuses them as plain values (config, <process>.env). */}}
{{- define "hotpath.secretNames" -}}
DATABASE_URL PAYLOAD_KEYS STAFF_TOKENS CHECKOUT_TOKENS SESSION_SECRET WMS_WEBHOOK_SECRET STRIPE_WEBHOOK_SECRET STRIPE_API_KEY TEMPORAL_API_KEY SMTP_URL
{{- end -}}

{{- define "hotpath.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/*
The environment of one process: (dict "root" $ "component" "api" "env" .Values.api.env "secrets" .Values.secrets.api).
Temporal's settings, then `config`, then the process's own `env` (which wins), then its secrets as secretKeyRefs.
Empty values are left out, so the process's own default applies.
*/}}
{{- define "hotpath.env" -}}
{{- $root := .root -}}
{{- $t := $root.Values.temporal -}}
{{- $plain := dict "TEMPORAL_ADDRESS" $t.address "TEMPORAL_NAMESPACE" $t.namespace "TEMPORAL_TLS" (toString $t.tls.enabled) "TEMPORAL_TLS_SERVER_NAME" $t.tls.serverName -}}
{{- if $t.tls.existingSecret -}}
{{- $_ := set $plain "TEMPORAL_TLS_CERT_PATH" "/etc/hotpath/temporal-tls/tls.crt" -}}
{{- $_ := set $plain "TEMPORAL_TLS_KEY_PATH" "/etc/hotpath/temporal-tls/tls.key" -}}
{{- if $t.tls.ca }}{{ $_ := set $plain "TEMPORAL_TLS_CA_PATH" "/etc/hotpath/temporal-tls/ca.crt" }}{{ end -}}
{{- end -}}
{{- $merged := merge (deepCopy (.env | default dict)) (deepCopy $root.Values.config) $plain -}}
{{- range $name := include "hotpath.secretNames" $root | splitList " " }}
{{- if ne (toString (index $merged $name | default "")) "" }}
{{- fail (printf "%s is a secret: list it in secrets.<process> (a key of the Secret %s), never as a value" $name $root.Values.secrets.name) }}
{{- end }}
{{- end -}}
{{- range $name, $value := $merged }}
{{- if ne (toString $value) "" }}
- name: {{ $name }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- range $key := .secrets }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secrets.name }}
      key: {{ $key }}
      {{- if has $key $root.Values.secrets.optional }}
      optional: true
      {{- end }}
{{- end }}
{{- if $t.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $t.apiKey.existingSecret }}
      key: {{ $t.apiKey.key }}
{{- end }}
{{- end -}}

{{/* Volumes every process mounts: /tmp (tsx's cache; the root filesystem is read-only) and Temporal's TLS files. */}}
{{- define "hotpath.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.temporal.tls.existingSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.existingSecret }}
{{- end }}
{{- end -}}

{{- define "hotpath.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tls.existingSecret }}
- name: temporal-tls
  mountPath: /etc/hotpath/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* Spread over zones, then nodes: (dict "root" $ "component" "api" "spread" .Values.api.topologySpread). */}}
{{- define "hotpath.topologySpread" -}}
{{- if .spread.enabled }}
topologySpreadConstraints:
{{- range $key := list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
  - maxSkew: {{ $.spread.maxSkew }}
    topologyKey: {{ $key }}
    whenUnsatisfiable: {{ $.spread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "hotpath.selectorLabels" (dict "root" $.root "component" $.component) | nindent 8 }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The pod fields all processes share. */}}
{{- define "hotpath.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
