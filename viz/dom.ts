/**
 * The DOM helpers every script of the generated pages shares (viz/client.ts, viz/editor.ts,
 * viz/compare-page.ts). Like those scripts it is inlined by its source, so it uses nothing
 * from outside its body; a page calls it once and hands the result to each script:
 * `(vizClient)((pageDom)())`. The DOM is typed `any`: the project compiles without DOM types.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface PageDom {
  doc: any;
  win: any;
  /** The element with this id. */
  $: (id: string) => any;
  /** An HTML element with attributes and text. */
  el: (tag: string, attrs?: Record<string, unknown>, text?: string) => any;
  /** An SVG element with attributes and text. */
  sv: (tag: string, attrs?: Record<string, unknown>, text?: string) => any;
  /**
   * Moves each arrow's label along its arrow (above it, then below it) to the first spot that
   * no label placed before it covers; where none is free, the spot with the least overlap wins.
   * The labels must be in the page: their boxes are measured.
   */
  placeLabels: (labels: readonly { node: any; x1: number; y1: number; x2: number; y2: number }[]) => void;
}

export function pageDom(): PageDom {
  const doc: any = (globalThis as any).document;
  const make = (ns: string | null) => (tag: string, attrs: Record<string, unknown> = {}, text?: string): any => {
    const e = ns === null ? doc.createElement(tag) : doc.createElementNS(ns, tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  function placeLabels(labels: readonly { node: any; x1: number; y1: number; x2: number; y2: number }[]): void {
    const placed: { x: number; y: number; w: number; h: number }[] = [];
    // Points along the arrow, from its middle outwards.
    const spots = [0.5];
    for (let d = 0.06; d <= 0.4; d += 0.06) spots.push(0.5 - d, 0.5 + d);
    const overlap = (a: any, b: any): number => Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
    const box = (node: any): { x: number; y: number; w: number; h: number } => {
      const r = node.getBBox();
      return { x: r.x, y: r.y, w: r.width, h: r.height };
    };
    const put = (l: any, at: number, dy: number): void => {
      l.node.setAttribute('x', String(l.x1 + (l.x2 - l.x1) * at));
      l.node.setAttribute('y', String(l.y1 + (l.y2 - l.y1) * at + dy));
    };
    for (const l of labels) {
      let best = { at: 0.5, dy: -4, cost: Infinity };
      search: for (const dy of [-4, 12]) {
        for (const at of spots) {
          put(l, at, dy);
          const b = box(l.node);
          let cost = 0;
          for (const p of placed) cost += overlap(b, p);
          if (cost < best.cost) best = { at, dy, cost };
          if (cost === 0) break search;
        }
      }
      put(l, best.at, best.dy);
      placed.push(box(l.node));
    }
  }
  return { doc, win: globalThis as any, $: (id: string): any => doc.getElementById(id), el: make(null), sv: make('http://www.w3.org/2000/svg'), placeLabels };
}
