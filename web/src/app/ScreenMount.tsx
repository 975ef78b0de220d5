import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Screen } from '../lib/dom.js';
import { screenTitle } from './app-state.js';

/**
 * A screen still built as plain DOM (the room screen, `renderRoom`): made
 * when this mounts, put in its own element, disposed when this unmounts.
 * The shell keys it by route, so it is made once per room opened.
 */
export function ScreenMount({ make }: { make: () => Screen }) {
  const box = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const screen = make();
    box.current!.append(screen.el);
    screenTitle.value = screen.title;
    return () => {
      screen.dispose();
      screen.el.remove();
    };
  }, []);
  return <div class="screen-mount" ref={box} />;
}
