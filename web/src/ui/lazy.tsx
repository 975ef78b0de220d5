import type { ComponentType, FunctionComponent } from 'preact';
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';

type LazyComponent<P> = FunctionComponent<P> & { preload(): Promise<unknown> };

/**
 * A component whose code is fetched the first time it is drawn (or `preload`ed), so that screens
 * most visits never open stay out of the first load. Nothing is drawn until it arrives; when it
 * cannot be fetched (the network, or a new release that replaced the files) it says so.
 * `onShown` runs once the real component is first drawn (a screen moves focus to its heading).
 */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>, onShown?: () => void): LazyComponent<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  const preload = () =>
    (loading ??= load().then(
      (c) => (loaded = c),
      (err) => {
        loading = undefined;
        throw err;
      },
    ));
  function Lazy(props: P) {
    const [state, setState] = useState<'waiting' | 'ready' | 'failed'>(loaded ? 'ready' : 'waiting');
    useEffect(() => {
      // Also when the code arrived after this drew nothing but before this effect ran (a preload
      // started elsewhere): without a state change nothing would draw it, and the screen stayed empty.
      if (loaded) return void setState('ready');
      let live = true;
      preload().then(
        () => live && setState('ready'),
        () => live && setState('failed'),
      );
      return () => {
        live = false;
      };
    }, []);
    useLayoutEffect(() => void (state === 'ready' && onShown?.()), [state]);
    if (loaded) {
      const Loaded = loaded;
      return <Loaded {...props} />;
    }
    return state === 'failed' ? (
      <p role="alert" class="error">
        This part of Parley could not be loaded. Check your connection, then reload the page.
      </p>
    ) : null;
  }
  return Object.assign(Lazy, { preload });
}
