/**
 * One chart over the dashboard's days, drawn by uPlot (a small, maintained canvas chart library):
 * stacked bars (runs: succeeded, failed, still going) or lines (durations, the metric against its
 * target). The canvas is a picture for the eye; the same figures are in a table below it (for
 * screen readers and the keyboard), and both open the runs behind a day when clicked.
 */
import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';
import { useEffect, useRef, useState } from 'react';
import { shortDay } from './dashboard-logic.ts';

export interface ChartSeries {
  label: string;
  /** A CSS colour (a custom property's value is read at draw time). */
  color: string;
  values: Array<number | null>;
  /** Dashed (a target line). */
  dash?: boolean;
}

export interface DayChartProps {
  /** Plain title, also the picture's accessible name. */
  title: string;
  /** One sentence saying what the picture shows (screen readers hear it). */
  summary: string;
  days: string[];
  kind: 'stacked-bars' | 'lines';
  series: ChartSeries[];
  /** How a value on the y axis and in the table reads ("3 s", "80 %"). */
  format: (value: number) => string;
  /** Opens the runs behind a day (undefined: the chart is not clickable). */
  onDay?: (day: string) => void;
  /** Which series opens what when its table cell is clicked (default: onDay). */
  onCell?: (day: string, series: number) => void;
}

const HEIGHT = 180;

export function DayChart({ title, summary, days, kind, series, format, onDay, onCell }: DayChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const onDayRef = useRef(onDay);
  onDayRef.current = onDay;

  // The chart follows its box's width (the window from 800 px up, the side panel's changes).
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const el = holder.current;
    if (!el || width < 50) return;
    const css = getComputedStyle(el);
    const colour = (value: string) => (value.startsWith('var(') ? css.getPropertyValue(value.slice(4, -1)).trim() || '#888' : value);
    const x = days.map((_, i) => i);
    // Stacked bars: each series drawn as the sum of itself and those below it, the tallest first
    // (the top series' colour), so the visible part of each bar is that series' own count.
    const drawn = kind === 'stacked-bars' ? series.map((_, i) => days.map((__, d) => series.slice(0, i + 1).reduce((sum, s) => sum + (s.values[d] ?? 0), 0))).reverse() : series.map((s) => s.values);
    const ordered = kind === 'stacked-bars' ? [...series].reverse() : series;
    const muted = css.getPropertyValue('--text-muted').trim() || '#666';
    const grid = css.getPropertyValue('--border').trim() || '#ddd';
    const opts: uPlot.Options = {
      width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: kind === 'lines' } },
      scales: { x: { time: false, range: [-0.5, days.length - 0.5] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: muted, grid: { show: false }, ticks: { show: false }, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) && days[t] ? shortDay(days[t]) : '')), space: 46 },
        { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { show: false }, values: (_u, ticks) => ticks.map((t) => format(t)), size: kind === 'lines' ? 88 : 56 },
      ],
      series: [
        {},
        ...ordered.map((s) => ({
          label: s.label,
          stroke: colour(s.color),
          width: kind === 'lines' ? 2 : 0,
          ...(kind === 'stacked-bars' ? { fill: colour(s.color), paths: uPlot.paths.bars!({ size: [0.7, 48] }) } : {}),
          ...(s.dash ? { dash: [6, 4] } : {}),
          spanGaps: false,
          points: { show: kind === 'lines', size: 5 },
        })),
      ],
    };
    const plot = new uPlot(opts, [x, ...drawn] as uPlot.AlignedData, el);
    const click = () => {
      const idx = plot.cursor.idx;
      if (idx !== null && idx !== undefined && days[idx]) onDayRef.current?.(days[idx]);
    };
    plot.over.addEventListener('click', click);
    plot.over.style.cursor = onDayRef.current ? 'pointer' : 'default';
    return () => {
      plot.over.removeEventListener('click', click);
      plot.destroy();
    };
  }, [width, days, kind, series, format]);

  return (
    <figure className="day-chart">
      <figcaption className="day-chart-title">{title}</figcaption>
      <div className="day-chart-legend" aria-hidden="true">
        {series.map((s) => (
          <span key={s.label} className="day-chart-key">
            <span className={`day-chart-swatch${s.dash ? ' dashed' : ''}`} style={{ background: s.dash ? 'transparent' : s.color, borderColor: s.color }} />
            {s.label}
          </span>
        ))}
      </div>
      <div ref={holder} className="day-chart-canvas" role="img" aria-label={`${title}: ${summary}`} />
      <details className="day-chart-table">
        <summary>Show as a table</summary>
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Day</th>
                {series.map((s) => (
                  <th key={s.label} scope="col" className="num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {days.map((day, d) => (
                <tr key={day}>
                  <th scope="row">{shortDay(day)}</th>
                  {series.map((s, i) => {
                    const value = s.values[d];
                    const text = value === null || value === undefined ? '—' : format(value);
                    const open = onCell ? () => onCell(day, i) : onDay ? () => onDay(day) : undefined;
                    return (
                      <td key={s.label} className="num">
                        {open && !s.dash && value !== null && value !== undefined && value !== 0 ? (
                          <button type="button" className="dash-link" onClick={open} aria-label={`${s.label} on ${shortDay(day)}: ${text}. Show the runs`}>
                            {text}
                          </button>
                        ) : (
                          text
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
