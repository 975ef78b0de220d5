import net from 'node:net';

/**
 * A TCP load balancer for tests, standing where a deployment's proxy stands:
 * clients use one address, and each new connection goes to the first backend
 * (in order) that accepts it. While the first backend lives, everything lands
 * there; once it is dead (connection refused) new connections fail over to the
 * next. Connections are piped byte for byte, so HTTP, event streams and
 * WebSockets all pass unchanged.
 */
export async function startBalancer(initial: number[] = []) {
  let backends = [...initial];
  const open = new Set<net.Socket>();
  const counts = new Map<number, number>();

  function connectFirst(client: net.Socket, candidates: number[]) {
    const [port, ...rest] = candidates;
    if (port === undefined) {
      client.destroy();
      return;
    }
    const upstream = net.connect(port, '127.0.0.1');
    const refuse = () => {
      upstream.destroy();
      if (!client.destroyed) connectFirst(client, rest);
    };
    upstream.once('error', refuse);
    upstream.once('connect', () => {
      upstream.off('error', refuse);
      upstream.on('error', () => client.destroy());
      counts.set(port, (counts.get(port) ?? 0) + 1);
      open.add(upstream);
      upstream.on('close', () => open.delete(upstream));
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    // The client's first bytes wait in its buffer until a backend is connected and piped.
    client.pause();
    connectFirst(client, [...backends]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    /** Replaces the backends, in order of preference; open connections stay where they are. */
    setBackends(ports: number[]) {
      backends = [...ports];
    },
    /** How many connections each backend port has been given so far. */
    connectionsTo: (backend: number) => counts.get(backend) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
