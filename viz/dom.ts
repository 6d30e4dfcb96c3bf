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
}

export function pageDom(): PageDom {
  const doc: any = (globalThis as any).document;
  const make = (ns: string | null) => (tag: string, attrs: Record<string, unknown> = {}, text?: string): any => {
    const e = ns === null ? doc.createElement(tag) : doc.createElementNS(ns, tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  return { doc, win: globalThis as any, $: (id: string): any => doc.getElementById(id), el: make(null), sv: make('http://www.w3.org/2000/svg') };
}
