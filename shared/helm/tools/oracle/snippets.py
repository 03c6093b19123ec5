"""Differential test of template snippets: each line of snippets.txt is rendered
by the real helm (HELM) and by the helm_template example (OURS); differences are printed.
"""
import os, subprocess, base64, shutil
import os
HERE=os.path.dirname(os.path.abspath(__file__))
H=os.environ.get('HELM', '/root/.cache/flux-rs/oracle/layer/helm/helm')
OURS=os.environ.get('OURS', '/root/.cache/flux-rs/target-helm/debug/examples/helm_template')
import sys
snips=[l.rstrip('\n') for l in open(sys.argv[1] if len(sys.argv)>1 else os.path.join(HERE, 'snippets.txt')) if l.strip()]
d=os.environ.get('WORKDIR', '/tmp/flux-helm-snippets')
shutil.rmtree(d, ignore_errors=True)
os.makedirs(d+'/templates'); os.makedirs(d+'/files/sub')
open(d+'/Chart.yaml','w').write('apiVersion: v2\nname: fn\nversion: 1.2.3\nappVersion: "4.5"\ndescription: desc\nkeywords: [k1, k2]\nannotations: {x: y}\n')
shutil.copy(os.path.join(HERE, 'snippet-values.yaml'), d+'/values.yaml')
open(d+'/files/a.txt','w').write('l1\nl2\n')
open(d+'/files/b.yaml','w').write('k: v\n')
open(d+'/files/sub/c.txt','w').write('c')
open(d+'/templates/_h.tpl','w').write('{{- define "helper" -}}H:{{ . | toString | trunc 20 }}{{- end -}}')
bad=0
for i,s in enumerate(snips):
    open(d+'/templates/t.yaml','w').write('{{- define "x" }}'+s+'{{ end }}\nout: {{ include "x" . | b64enc | quote }}\n')
    def go(cmd):
        r=subprocess.run(cmd,capture_output=True,text=True)
        if r.returncode!=0: return 'ERR'
        for line in r.stdout.splitlines():
            if line.startswith('out: '):
                return base64.b64decode(line[6:-1]).decode('utf-8','replace')
        return 'NOOUT'
    a=go([H,'template','conformance',d,'--namespace','ns','--kube-version','v1.33.0'])
    b=go([OURS,d,'-n','ns'])
    if a!=b:
        bad+=1
        print(f'### {i}: {s[:150]}\n  helm: {a[:1500]!r}\n  ours: {b[:1500]!r}')
print('mismatches', bad, 'of', len(snips))
