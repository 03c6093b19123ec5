"""For a corpus case: change 40 random scalar defaults (seeded) and compare helm
with the helm_template example, like flips.py.
"""
import os
import sys, os, json, copy, random, yaml
src=open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'flips.py')).read()
src=src[:src.index("case=sys.argv[1]")]
exec(src)
case=sys.argv[1]
cd=os.path.join(os.environ.get('CORPUS', '/work/shared/corpus/helm'), case)
cj=json.load(open(cd+'/case.json'))
chart=os.path.normpath(os.path.join(cd, cj['chart']))
extra=cj.get('extra_args',[])
base={}
for f in cj['values_files']:
    base=merge(base, yaml.safe_load(open(os.path.join(cd,f))) or {})
defaults=yaml.safe_load(open(os.path.join(chart,'values.yaml'))) or {}
leaves=[]
def walk(v, path):
    if isinstance(v, dict):
        for k,x in v.items(): walk(x, path+(k,))
    elif isinstance(v,(str,int,float,bool)) and path and path[0] not in ('global',):
        leaves.append((path, v))
walk(defaults, ())
random.seed(int(sys.argv[2]) if len(sys.argv)>2 else 1)
random.shuffle(leaves)
n=0
for path, v in leaves[:40]:
    if isinstance(v,bool): nv = not v
    elif isinstance(v,int): nv = v+3
    elif isinstance(v,float): nv = v*2.5
    else: nv = random.choice(["x-y", "", "a b: c", "123", "true", "line1\nline2", "{{ .Release.Name }}"])
    m={}; c=m
    for p in path[:-1]: c=c.setdefault(p,{})
    c[path[-1]]=nv
    r=run(chart, merge(copy.deepcopy(base), m), extra)
    if r not in ('ok','both-err'):
        print(case, '.'.join(map(str,path)), '=', repr(nv), ':', r, flush=True)
print(case, 'done', flush=True)
