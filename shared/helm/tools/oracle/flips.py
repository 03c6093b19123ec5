"""For a corpus case: render with the case values, then with each `enabled` flag
flipped, with the real helm and with the helm_template example; print differences.
Documents that differ between two helm runs (random output) are ignored.
"""
import sys, os, subprocess, yaml, json, copy
H=os.environ.get('HELM', '/root/.cache/flux-rs/oracle/layer/helm/helm')
OURS=os.environ.get('OURS', '/root/.cache/flux-rs/target-helm/debug/examples/helm_template')
L=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
def docs(t): return [d for d in yaml.load_all(t, Loader=L) if d is not None]
def merge(a,b):
    for k,v in b.items():
        if isinstance(v,dict) and isinstance(a.get(k),dict): merge(a[k],v)
        else: a[k]=v
    return a
def run(chart, vals, extra):
    vf='/tmp/flux-helm-diff-values.yaml'
    yaml.safe_dump(vals, open(vf,'w'))
    cmd=[H,'template','conformance',chart,'--namespace','corpus','--kube-version','v1.33.0','-f',vf]+extra
    o=subprocess.run(cmd,capture_output=True,text=True)
    u=subprocess.run([OURS,chart,'-f',vf]+extra,capture_output=True,text=True)
    if o.returncode!=0:
        return 'both-err' if u.returncode!=0 else 'oracle-err-only: '+o.stderr.strip()[:200]
    if u.returncode!=0: return 'ours-err: '+u.stderr.strip()[:300]
    o2=subprocess.run(cmd,capture_output=True,text=True)
    try: a=docs(o.stdout); b=docs(u.stdout); a2=docs(o2.stdout)
    except Exception as e: return 'parse: '+str(e)[:200]
    if len(a)!=len(b): return f'count {len(b)} vs {len(a)}'
    for i,(x,y) in enumerate(zip(a,b)):
        if i < len(a2) and a2[i]!=x: continue
        if x!=y: return f'doc {i} {x.get("kind") if isinstance(x,dict) else ""} {((x or {}).get("metadata") or {}).get("name") if isinstance(x,dict) else ""}'
    return 'ok'
def enabled_paths(v, path=()):
    out=[]
    if isinstance(v, dict):
        for k,x in v.items():
            if k=='enabled' and isinstance(x,bool): out.append((path, x))
            else: out += enabled_paths(x, path+(k,))
    return out
case=sys.argv[1]
cd=os.path.join(os.environ.get('CORPUS', '/work/shared/corpus/helm'), case)
cj=json.load(open(cd+'/case.json'))
chart=os.path.normpath(os.path.join(cd, cj['chart']))
extra=[a for a in cj.get('extra_args',[])]
base={}
for f in cj['values_files']:
    base=merge(base, yaml.safe_load(open(os.path.join(cd,f))) or {})
defaults=yaml.safe_load(open(os.path.join(chart,'values.yaml'))) or {}
eff=merge(copy.deepcopy(defaults), copy.deepcopy(base))
print(case, 'base', run(chart, base, extra), flush=True)
for path, cur in enabled_paths(eff):
    flip={}
    c=flip
    for p in path: c=c.setdefault(p,{})
    c['enabled']=not cur
    r=run(chart, merge(copy.deepcopy(base), flip), extra)
    if r not in ('ok','both-err'): print('  ', '.'.join(path), '->', not cur, ':', r, flush=True)
