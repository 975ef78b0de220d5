import type { LucideIcon } from 'lucide-preact';
import { createElement, render } from 'preact';
import { h } from '../lib/dom.js';

/**
 * A lucide icon for the plain-DOM screens, in a span. Always decorative: the control it
 * sits in keeps its words (shown, or visually hidden at phone width) as its accessible name.
 */
export function icon(Icon: LucideIcon, size = 20): HTMLSpanElement {
  const span = h('span', { class: 'icon', 'aria-hidden': 'true' });
  render(createElement(Icon, { size, 'aria-hidden': 'true', focusable: 'false' }), span);
  return span;
}
