/**
 * The overview in the canvas's corner: every step as a small rectangle and the part of the flow in
 * view, pannable (drag the overview) and zoomable (wheel over it), like React Flow's MiniMap.
 *
 * Why not React Flow's MiniMap: it renders one subscribed component per node, so with 1,000 steps
 * every update of React Flow's store (each mouse move of a drag, each frame of a pan) ran 1,000
 * more selectors, and its bounds over all nodes besides (a fifth of a drag frame's script in a
 * CDP profile, bench figure 9). Here one selector draws all the steps as a single SVG path, and
 * the component re-renders only when that path or the view changed.
 */
import { Panel, useStore, useStoreApi, type ReactFlowState } from '@xyflow/react';
import { useRef, type PointerEvent, type WheelEvent } from 'react';

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Picture {
  /** All shown steps, one `M…z` rectangle each, in flow units. */
  nodes: string;
  bounds: Rect;
  view: Rect;
}

const same = (a: Rect, b: Rect) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
const samePicture = (a: Picture, b: Picture) => a.nodes === b.nodes && same(a.bounds, b.bounds) && same(a.view, b.view);

type Internal = ReactFlowState['nodeLookup'] extends Map<string, infer N> ? N : never;
/** The steps' path and bounds, kept while React Flow's node records stay the same objects (during a pan, every frame). */
let drawn: { of: Internal[]; nodes: string; bounds: Rect } = { of: [], nodes: '', bounds: { x: 0, y: 0, width: 0, height: 0 } };

function stepsOf(lookup: ReactFlowState['nodeLookup']): { nodes: string; bounds: Rect } {
  let i = 0;
  let same = lookup.size === drawn.of.length;
  if (same) for (const n of lookup.values()) if (n !== drawn.of[i++]) same = false;
  if (same) return drawn;
  let nodes = '';
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of lookup.values()) {
    if (n.hidden) continue;
    const w = n.measured.width ?? n.width ?? n.initialWidth;
    const h = n.measured.height ?? n.height ?? n.initialHeight;
    if (w === undefined || h === undefined) continue;
    const x = Math.round(n.internals.positionAbsolute.x);
    const y = Math.round(n.internals.positionAbsolute.y);
    nodes += `M${x} ${y}h${Math.round(w)}v${Math.round(h)}h${-Math.round(w)}z`;
    if (x < x0) x0 = x;
    if (y < y0) y0 = y;
    if (x + w > x1) x1 = x + w;
    if (y + h > y1) y1 = y + h;
  }
  drawn = { of: [...lookup.values()], nodes, bounds: nodes === '' ? { x: 0, y: 0, width: 0, height: 0 } : { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } };
  return drawn;
}

function picture(s: ReactFlowState): Picture {
  const [tx, ty, zoom] = s.transform;
  const view = { x: -tx / zoom, y: -ty / zoom, width: s.width / zoom, height: s.height / zoom };
  const steps = stepsOf(s.nodeLookup);
  if (steps.nodes === '') return { nodes: '', bounds: view, view };
  const x0 = Math.min(steps.bounds.x, view.x);
  const y0 = Math.min(steps.bounds.y, view.y);
  const x1 = Math.max(steps.bounds.x + steps.bounds.width, view.x + view.width);
  const y1 = Math.max(steps.bounds.y + steps.bounds.height, view.y + view.height);
  return { nodes: steps.nodes, bounds: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, view };
}

/** Margin around the flow, in overview pixels (React Flow's MiniMap `offsetScale`). */
const MARGIN = 5;

export function FlowMinimap({ width, height, ariaLabel }: { width: number; height: number; ariaLabel: string }) {
  const store = useStoreApi();
  const { nodes, bounds, view } = useStore(picture, samePicture);
  const drag = useRef<{ x: number; y: number } | undefined>(undefined);
  // Flow units per overview pixel: the flow and the view fit the box, with a margin.
  const scale = Math.max(bounds.width / width, bounds.height / height);
  const boxW = scale * width;
  const boxH = scale * height;
  const margin = MARGIN * scale;
  const x = bounds.x - (boxW - bounds.width) / 2 - margin;
  const y = bounds.y - (boxH - bounds.height) / 2 - margin;
  const w = boxW + 2 * margin;
  const h = boxH + 2 * margin;

  const onPointerDown = (event: PointerEvent<SVGSVGElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY };
  };
  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    const from = drag.current;
    const { panZoom, transform } = store.getState();
    if (!from || !panZoom) return;
    drag.current = { x: event.clientX, y: event.clientY };
    // The view moves with the pointer: an overview pixel is `scale` flow units, zoom screen pixels each.
    const k = (w / width) * transform[2];
    void panZoom.setViewport({ x: transform[0] - (event.clientX - from.x) * k, y: transform[1] - (event.clientY - from.y) * k, zoom: transform[2] });
  };
  const onPointerUp = () => (drag.current = undefined);
  const onWheel = (event: WheelEvent<SVGSVGElement>) => {
    const { panZoom, transform } = store.getState();
    if (!panZoom) return;
    void panZoom.scaleTo(transform[2] * Math.pow(2, -event.deltaY * (event.deltaMode === 1 ? 0.05 : event.deltaMode ? 1 : 0.002)));
  };

  return (
    <Panel position="bottom-right" className="react-flow__minimap flow-minimap" style={{ width, height }}>
      <svg
        width={width}
        height={height}
        viewBox={`${x} ${y} ${w} ${h}`}
        className="react-flow__minimap-svg nopan nowheel"
        role="img"
        aria-label={ariaLabel}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onWheel={onWheel}
      >
        <path className="flow-minimap-nodes" d={nodes} />
        <path className="react-flow__minimap-mask" d={`M${x - margin},${y - margin}h${w + margin * 2}v${h + margin * 2}h${-w - margin * 2}z M${view.x},${view.y}h${view.width}v${view.height}h${-view.width}z`} fillRule="evenodd" pointerEvents="none" />
      </svg>
    </Panel>
  );
}
