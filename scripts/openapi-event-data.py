#!/usr/bin/env python3
# Rewrites the data schema of each event type (components.schemas.<Type>Data, named by
# the Event schema's x-data-schemas) in adapters/httpapi/openapi.json from docs/EVENTS.md.
# Run from the repository root after adding an event type or a data key to EVENTS.md:
#   python3 scripts/openapi-event-data.py .
# TestEventDataSchemas (adapters/httpapi) checks the two agree and that real events match.
import json, re, sys
root = sys.argv[1]
doc = open(root + '/docs/EVENTS.md').read()
heading = re.compile(r'^### `([a-z_.]+)`$')
row = re.compile(r'^\| ((?:`[a-z_]+`(?:, )?)+) \| (.*) \|$')
key = re.compile(r'`([a-z_]+)`')
types = {}
cur = None
intro = {}
for line in doc.split('\n'):
    m = heading.match(line)
    if m:
        cur = m.group(1); types[cur] = []; intro[cur] = ''
        continue
    if line.startswith('## '):
        cur = None
    if cur is None:
        continue
    m = row.match(line)
    if m:
        meaning = m.group(2)
        optional = meaning.startswith('*optional*')
        meaning = re.sub(r'^\*optional\*:?\s*', '', meaning)
        meaning = meaning.replace('`', '')
        for k in key.findall(m.group(1)):
            types[cur].append((k, optional, meaning))
    elif line and not line.startswith('|') and not intro[cur]:
        intro[cur] = line
def name(t):
    return ''.join(p[:1].upper() + p[1:] for p in re.split(r'[._]', t)) + 'Data'
path = root + '/adapters/httpapi/openapi.json'
d = json.load(open(path))
schemas = d['components']['schemas']
ev = schemas['Event']
enum = ev['properties']['type']['enum']
missing = [t for t in enum if t not in types]
if missing:
    sys.exit('types without a section in EVENTS.md: %s' % missing)
mapping = {}
for t in enum:
    props = {k: {'type': 'string', 'description': meaning} for k, _, meaning in types[t]}
    req = [k for k, opt, _ in types[t] if not opt]
    s = {'type': 'object', 'description': 'The data of a %s event (docs/EVENTS.md). Every value is text; keys may be added.' % t,
         'properties': props, 'additionalProperties': {'type': 'string'}}
    if req:
        s['required'] = req
    schemas[name(t)] = s
    mapping[t] = '#/components/schemas/' + name(t)
data = ev['properties']['data']
data['description'] = ("What the change was: text values, keys per type. x-data-schemas names each type's schema "
                       "(components.schemas.<Type>Data), for a code generator to decode data by the event's type.")
ev['x-data-schemas'] = mapping
open(path, 'w').write(json.dumps(d, indent=2, ensure_ascii=False) + '\n')
print(len(mapping), 'event types')
