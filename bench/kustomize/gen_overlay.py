#!/usr/bin/env python3
"""Writes a large kustomize overlay: N Deployments and Services in a base, generated
ConfigMaps, and an overlay with namespace, prefix, labels, images and a patch on every
Deployment. Usage: gen_overlay.py DIR [N]"""
import os
import sys

root = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
base = os.path.join(root, "base")
overlay = os.path.join(root, "overlay")
os.makedirs(base, exist_ok=True)
os.makedirs(overlay, exist_ok=True)
with open(os.path.join(base, "resources.yaml"), "w") as f:
    for i in range(n):
        f.write(f"""---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
        - name: app
          image: ghcr.io/example/app:1.0.0
          envFrom:
            - configMapRef:
                name: config-{i % 50}
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
spec:
  selector:
    app: app-{i}
  ports:
    - port: 80
      targetPort: 8080
""")
with open(os.path.join(base, "kustomization.yaml"), "w") as f:
    f.write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - resources.yaml\nconfigMapGenerator:\n")
    for j in range(50):
        f.write(f"  - name: config-{j}\n    literals:\n      - INDEX={j}\n      - GREETING=hello-{j}\n")
with open(os.path.join(overlay, "kustomization.yaml"), "w") as f:
    f.write("""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: bench
namePrefix: prod-
labels:
  - pairs:
      env: prod
    includeSelectors: true
images:
  - name: ghcr.io/example/app
    newTag: 2.0.0
resources:
  - ../base
patches:
  - target:
      kind: Deployment
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
      spec:
        replicas: 3
""")
