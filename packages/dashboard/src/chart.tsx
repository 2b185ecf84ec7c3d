/**
 * One ECharts chart, imported per chart type from echarts/core so the home page loads only line
 * and bar charts; the insight builder registers funnel, Sankey and heatmap when it loads (`useCharts`).
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, SVGRenderer]);

export { echarts };
export type ChartOption = echarts.EChartsCoreOption;

/** Renders `option`; `onPick` receives the clicked point (series index, data index, name). */
export function Chart(props: {
  option: ChartOption;
  height?: number;
  label: string;
  onPick?: (p: { seriesIndex: number; dataIndex: number; name: string; data: unknown }) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const pick = useRef(props.onPick);
  pick.current = props.onPick;
  useEffect(() => {
    if (!ref.current) return;
    const c = echarts.init(ref.current, undefined, { renderer: 'svg' });
    chart.current = c;
    c.on('click', (p) => pick.current?.(p as never));
    // The container's width settles after layout (and changes with the window): follow it.
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(ref.current);
    return () => {
      observer.disconnect();
      c.dispose();
    };
  }, []);
  useEffect(() => {
    // No animation: a figure is read (and screenshotted) as soon as it is drawn.
    chart.current?.setOption({ animation: false, ...props.option }, true);
  }, [props.option]);
  return <div ref={ref} role="img" aria-label={props.label} style={{ width: '100%', height: props.height ?? 260 }} />;
}
