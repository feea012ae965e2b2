/**
 * Time-series charts drawn with uPlot. `TimeChart` draws data it is given; `LiveTimeChart` reads
 * its data straight from the store through a transient subscription and redraws the canvas with
 * setData, so a new CPU sample never re-renders a React tree.
 */
import { useEffect, useRef, type JSX } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AppState } from '../store/slice-types';
import { useStoreApi } from '../store/store-context';

export interface ChartSeries {
  label: string;
  /** CSS colour of the line. */
  stroke: string;
  /** Unit appended to values in the legend (e.g. "%", "ms"). */
  unit?: string;
}

export interface TimeChartProps {
  /** Accessible name and visible title. */
  title: string;
  series: ChartSeries[];
  height?: number;
  /** Fixed y range, e.g. [0, 100] for percentages. */
  yRange?: [number, number];
  /** What the chart shows, for screen readers (e.g. the latest values). */
  summary?: string;
}

function buildOptions(props: TimeChartProps, width: number): uPlot.Options {
  const style = getComputedStyle(document.documentElement);
  const axisColor = style.getPropertyValue('--muted').trim() || '#888';
  const gridColor = style.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.2)';
  const axis: uPlot.Axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
  return {
    width,
    height: props.height ?? 180,
    series: [
      {},
      ...props.series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 2,
        value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : `${Number(v.toFixed(1))}${s.unit ? ` ${s.unit}` : ''}`),
      })),
    ],
    axes: [axis, { ...axis, size: 50 }],
    scales: props.yRange ? { y: { range: props.yRange } } : {},
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
  };
}

function useUplot(props: TimeChartProps, initial: () => uPlot.AlignedData): {
  container: React.RefObject<HTMLDivElement | null>;
  plot: React.RefObject<uPlot | null>;
} {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const seriesKey = props.series.map((s) => `${s.label}:${s.stroke}`).join('|');
  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const chart = new uPlot(buildOptions(props, Math.max(200, el.clientWidth || 400)), initial(), el);
    plot.current = chart;
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 180 })) : null;
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when its series or size change; data flows through setData.
  }, [seriesKey, props.height]);
  return { container, plot };
}

/** A chart of the given data ([x (epoch s), ...one array per series]). */
export function TimeChart(props: TimeChartProps & { data: uPlot.AlignedData }): JSX.Element {
  const { container, plot } = useUplot(props, () => props.data);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data, plot]);
  return (
    <figure className="chart" role="img" aria-label={props.summary ? `${props.title}: ${props.summary}` : props.title}>
      <figcaption>{props.title}</figcaption>
      <div ref={container} className="chart-canvas" />
    </figure>
  );
}

/** A chart whose data is selected from the store and redrawn without React re-renders. */
export function LiveTimeChart(props: TimeChartProps & { select: (state: AppState) => uPlot.AlignedData }): JSX.Element {
  const store = useStoreApi();
  const { select } = props;
  const { container, plot } = useUplot(props, () => select(store.getState()));
  useEffect(() => {
    let last = select(store.getState());
    plot.current?.setData(last);
    return store.subscribe((state) => {
      const next = select(state);
      if (next !== last) {
        last = next;
        plot.current?.setData(next);
      }
    });
  }, [store, select, plot]);
  return (
    <figure className="chart" role="img" aria-label={props.summary ? `${props.title}: ${props.summary}` : props.title}>
      <figcaption>{props.title}</figcaption>
      <div ref={container} className="chart-canvas" />
    </figure>
  );
}
