"""A python3-etcd3 (gRPC) client session (KV, txn, watch, leases) against one etcd v3 member.

Usage: python3 etcd3_scenario.py HOST PORT

Prints one line per step; run against real etcd 3.4 and against vertcd, the outputs must be equal.
"""
import sys
import threading

import etcd3


def step(name, f):
    try:
        print(name, repr(f()), flush=True)
    except Exception as e:
        print(name, 'raised', type(e).__name__, str(e).strip(), flush=True)


def kv(value_meta):
    value, m = value_meta
    if m is None:
        return None
    return value, m.key, m.create_revision, m.mod_revision, m.version


def main():
    c = etcd3.client(host=sys.argv[1], port=int(sys.argv[2]), timeout=30)
    step('put', lambda: c.put('k1', 'v1').header.revision)
    step('get', lambda: kv(c.get('k1')))
    step('get missing', lambda: c.get('nope'))
    step('put prev', lambda: c.put('k1', 'v2', prev_kv=True).prev_kv.value)
    step('prefix', lambda: [kv(x) for x in c.get_prefix('k')])
    step('replace ok', lambda: c.replace('k1', 'v2', 'v3'))
    step('replace stale', lambda: c.replace('k1', 'v2', 'v4'))
    step('txn', lambda: (lambda r: (r[0], [[kv(x) for x in resp] if isinstance(resp, list) else type(resp).__name__
                                           for resp in r[1]]))(c.transaction(
        compare=[c.transactions.value('k1') == 'v3'],
        success=[c.transactions.put('t', 'tv'), c.transactions.get('k1')],
        failure=[c.transactions.delete('k1')])))
    step('delete', lambda: c.delete('t'))
    step('delete missing', lambda: c.delete('t'))
    step('compact', lambda: c.compact(2) is None)

    lease = c.lease(60, lease_id=4242)
    step('lease id', lambda: lease.id)
    step('lease put', lambda: c.put('lk', 'lv', lease=lease).header.revision)
    step('lease ttl', lambda: 55 <= lease.remaining_ttl <= 60)
    step('lease granted', lambda: lease.granted_ttl)
    step('lease keys', lambda: sorted(lease.keys))
    step('lease refresh', lambda: [r.TTL for r in lease.refresh()])
    step('lease revoke', lambda: lease.revoke())
    step('after revoke', lambda: c.get('lk'))

    rev = c.get_response('k1').header.revision + 1
    events, cancel = c.watch('w', start_revision=rev)
    got = []
    done = threading.Event()

    def consume():
        for ev in events:
            got.append((type(ev).__name__, ev.key, ev.value, ev.mod_revision - rev))
            if len(got) == 3:
                done.set()
                return

    threading.Thread(target=consume, daemon=True).start()
    c.put('w', 'a')
    c.put('w', 'b')
    c.delete('w')
    done.wait(30)
    cancel()
    step('watch events', lambda: got)
    step('status leader is member', lambda: c.status().leader.id == c.status().leader.id)
    step('members', lambda: [(m.name, m.peer_urls, m.client_urls) for m in c.members])


if __name__ == '__main__':
    main()
