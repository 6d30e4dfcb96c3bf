/**
 * Two "hosts" on one machine: two network namespaces joined by a veth pair, each with an
 * address of a private /24 that exists only inside them. Used by the multi-host test
 * (test/native/multi-host.test.ts) and the several-hosts row of `npm run bench:native`.
 * Needs root and iproute2 (`ip`). `remove()` deletes both namespaces (and so the pair).
 */
import { execFileSync } from 'node:child_process';

export interface TwoHosts {
  readonly nsA: string;
  readonly nsB: string;
  readonly vethA: string;
  readonly vethB: string;
  readonly addrA: string;
  readonly addrB: string;
  /** The launch command that runs a process in host A's or B's namespace. */
  launch(host: 'A' | 'B'): string[];
  remove(): void;
}

/** Runs `ip args...`, bounded; throws with ip's own stderr. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Makes the two namespaces (names unique to `tag`); throws saying why when it cannot (no root, no ip). */
export function makeTwoHosts(tag: string | number, subnet = '10.213.77'): TwoHosts {
  const hosts: TwoHosts = {
    nsA: `tsdsm-a-${tag}`, nsB: `tsdsm-b-${tag}`, vethA: `tsa${tag}`, vethB: `tsb${tag}`, addrA: `${subnet}.1`, addrB: `${subnet}.2`,
    launch: (host) => ['ip', 'netns', 'exec', host === 'A' ? hosts.nsA : hosts.nsB],
    remove: () => {
      for (const ns of [hosts.nsA, hosts.nsB]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          // Not made (setup failed before it).
        }
      }
    },
  };
  try {
    ip('netns', 'add', hosts.nsA);
    ip('netns', 'add', hosts.nsB);
    ip('-n', hosts.nsA, 'link', 'add', hosts.vethA, 'type', 'veth', 'peer', 'name', hosts.vethB, 'netns', hosts.nsB);
    ip('-n', hosts.nsA, 'addr', 'add', `${hosts.addrA}/24`, 'dev', hosts.vethA);
    ip('-n', hosts.nsB, 'addr', 'add', `${hosts.addrB}/24`, 'dev', hosts.vethB);
    for (const [ns, dev] of [[hosts.nsA, hosts.vethA], [hosts.nsB, hosts.vethB]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
  } catch (err) {
    hosts.remove();
    const e = err as Error & { stderr?: string };
    throw new Error(`cannot make two network namespaces (needs root and iproute2's \`ip netns\`): ${e.message}${e.stderr ? `\n${e.stderr}` : ''}`);
  }
  return hosts;
}
