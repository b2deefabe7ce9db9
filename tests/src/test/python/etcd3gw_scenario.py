"""A python3-etcd3gw client session (KV, txn, leases, watch, locks) against one etcd v3 member's JSON gateway.

Usage: python3 etcd3gw_scenario.py HOST PORT API_PATH

Prints one line per step with what the library returned, leaving out what differs between two members by nature
(lease IDs, the server version). Run against real etcd 3.4 and against vertcd, the outputs must be equal. Exits 0
when every step ran; a step that raises prints its exception class and message and the script goes on.
"""
import base64
import sys
import threading

from etcd3gw import exceptions
from etcd3gw.client import Etcd3Client


def b64(s):
    return base64.b64encode(s.encode()).decode()


def meta(m):
    return {k: m[k] for k in ('key', 'create_revision', 'mod_revision', 'version') if k in m}


def step(name, f):
    try:
        print(name, repr(f()), flush=True)
    except Exception as e:  # the output shows it; the comparison decides
        print(name, 'raised', type(e).__name__, str(e).strip(), flush=True)


def main():
    host, port, api_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    c = Etcd3Client(host=host, port=port, api_path=api_path, timeout=30)

    step('put', lambda: c.put('k1', 'v1'))
    step('status keys', lambda: sorted(k for k in c.status() if k not in ('version',)))
    step('members', lambda: [(m['name'], m['peerURLs'], m['clientURLs']) for m in c.members()])
    step('get', lambda: c.get('k1'))
    step('get metadata', lambda: [(v, meta(m)) for v, m in c.get('k1', metadata=True)])
    step('get missing', lambda: c.get('nope'))
    step('create existing', lambda: c.create('k1', 'x'))
    step('create new', lambda: c.create('k2', 'v2'))
    step('replace ok', lambda: c.replace('k1', 'v1', 'v1b'))
    step('replace stale', lambda: c.replace('k1', 'v1', 'v1c'))
    step('put binary', lambda: c.put('bin', b'\x00\xff\x10'))
    step('get binary', lambda: c.get('bin'))
    step('prefix', lambda: [(v, meta(m)) for v, m in c.get_prefix('k')])
    step('prefix descend', lambda: [v for v, _ in c.get_prefix('k', sort_order='descend', sort_target='key')])
    step('all', lambda: [v for v, _ in c.get_all()])
    txn = {
        'compare': [{'key': b64('k2'), 'result': 'EQUAL', 'target': 'VALUE', 'value': b64('v2')}],
        'success': [{'request_put': {'key': b64('t1'), 'value': b64('tv')}},
                    {'request_range': {'key': b64('k'), 'range_end': b64('l')}}],
        'failure': [{'request_delete_range': {'key': b64('k2')}}],
    }
    step('txn succeeded', lambda: strip_headers(c.transaction(txn)))
    txn['compare'][0]['value'] = b64('other')
    step('txn failed', lambda: strip_headers(c.transaction(txn)))
    step('delete', lambda: c.delete('t1'))
    step('delete missing', lambda: c.delete('t1'))
    step('delete prefix', lambda: c.delete_prefix('k'))
    step('after delete', lambda: c.get_prefix('k'))

    lease = c.lease(ttl=60)
    step('lease ttl', lambda: 55 <= lease.ttl() <= 60)
    step('lease put', lambda: c.put('lk', 'lv', lease=lease))
    step('lease create', lambda: c.create('lk2', 'lv2', lease=lease))
    step('lease keys', lambda: sorted(lease.keys()))
    step('lease refresh', lambda: lease.refresh())
    step('lease revoke', lambda: lease.revoke())
    step('after revoke', lambda: (c.get('lk'), c.get('lk2')))
    step('refresh revoked', lambda: lease.refresh())
    step('ttl revoked', lambda: lease.ttl())

    # start_revision makes the writes below visible to the watch whenever its stream is established
    rev = int(c.status()['header']['revision']) + 1
    events, cancel = c.watch('w1', start_revision=rev)
    got = []
    done = threading.Event()

    def consume():
        for ev in events:
            got.append((ev.get('type', 'PUT'), ev['kv']['key'], ev['kv'].get('value'), ev['kv']['mod_revision']))
            if len(got) == 3:
                done.set()
                return

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    c.put('w0', 'not watched')
    c.put('w1', 'a')
    c.put('w1', 'b')
    c.delete('w1')
    done.wait(30)
    cancel()
    step('watch events', lambda: [(typ, k, v) for typ, k, v, _ in got])
    step('watch revisions', lambda: [int(r) - rev for *_, r in got])

    rev = int(c.status()['header']['revision']) + 1
    c.put('w2', 'x')
    step('watch once', lambda: (lambda ev: (ev['kv']['key'], ev['kv']['value']))(
        c.watch_once('w2', timeout=30, start_revision=rev)))
    try:
        c.watch_once('w3', timeout=1)
        step('watch once timeout', lambda: 'no timeout')
    except exceptions.WatchTimedOut:
        step('watch once timeout', lambda: 'timed out')

    lk = c.lock('mylock', ttl=60)
    step('lock acquire', lambda: lk.acquire())
    step('lock acquired', lambda: lk.is_acquired())
    other = c.lock('mylock', ttl=60)
    step('second lock acquire', lambda: other.acquire())
    step('second lock acquired', lambda: other.is_acquired())
    step('lock refresh', lambda: 55 <= lk.refresh() <= 60)
    step('lock release', lambda: lk.release())
    step('second lock after release', lambda: other.acquire())
    step('second release', lambda: other.release())
    with c.lock('ctx', ttl=60) as held:
        step('context lock', lambda: held.is_acquired())
    step('context lock released', lambda: c.get('ctx'))


def strip_headers(obj):
    if isinstance(obj, dict):
        return {k: strip_headers(v) for k, v in sorted(obj.items()) if k != 'header'}
    if isinstance(obj, list):
        return [strip_headers(v) for v in obj]
    return obj


if __name__ == '__main__':
    main()
