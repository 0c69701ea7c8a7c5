// Covered share per subdistrict as a horizontal bar chart (Apache ECharts, canvas renderer).
// Only the pieces used here are registered, once, when this module is first loaded (it is part of the lazily
// loaded coverage page, so ECharts never enters the main bundle).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import * as echarts from 'echarts/core';
import { BarChart, type BarSeriesOption } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  type AriaComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { formatShare, type AreaSummary } from '../reach.ts';
import { ORG_KIND_COLOURS } from './mapkit.ts';
import type { OrgKind } from '../types.ts';

echarts.use([BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, CanvasRenderer]);

type ChartOption = echarts.ComposeOption<BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption | AriaComponentOption>;

const FONT =
  "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', sans-serif";

interface Props {
  /** Subdistrict summaries, in the order to show (top to bottom). */
  areas: AreaSummary[];
  /** The kinds to draw, one series each. */
  kinds: string[];
  /** Accessible name of the chart (the visible title is the card's heading). */
  label: string;
}

export function CoverageChart({ areas, kinds, label }: Props) {
  const { t, i18n } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.EChartsType | null>(null);
  const [rendered, setRendered] = useState(false);

  useEffect(() => {
    if (!box.current) return;
    const instance = echarts.init(box.current, undefined, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('finished', () => setRendered(true));
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  const rowHeight = Math.max(26, kinds.length * 12 + 10);
  const height = areas.length * rowHeight + (kinds.length > 1 ? 90 : 60);

  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    const locale = i18n.language;
    const kindName = (kind: string) => t(`orgKinds.${kind}`, { defaultValue: kind });
    const option: ChartOption = {
      aria: { enabled: true, label: { description: label } },
      textStyle: { fontFamily: FONT },
      animation: false,
      grid: { left: 8, right: 48, top: kinds.length > 1 ? 40 : 10, bottom: 24, containLabel: true },
      legend: { show: kinds.length > 1, top: 0, left: 0, itemWidth: 14, itemHeight: 10, textStyle: { fontSize: 12 } },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        valueFormatter: (value) => formatShare(locale, Number(value) / 100),
      },
      xAxis: {
        type: 'value',
        min: 0,
        max: 100,
        axisLabel: { formatter: (value: number) => formatShare(locale, value / 100) },
        splitLine: { lineStyle: { color: '#e5e9e6' } },
      },
      yAxis: {
        type: 'category',
        inverse: true,
        data: areas.map((a) => a.name),
        axisTick: { show: false },
        axisLabel: { fontSize: 12, color: '#1f2a26' },
      },
      series: kinds.map(
        (kind): BarSeriesOption => ({
          type: 'bar',
          name: kindName(kind),
          barMaxWidth: 14,
          itemStyle: { color: ORG_KIND_COLOURS[kind as OrgKind] ?? '#64748b', borderRadius: [0, 3, 3, 0] },
          label: kinds.length === 1 ? { show: true, position: 'right', fontSize: 11, formatter: (p) => formatShare(locale, Number(p.value) / 100) } : undefined,
          data: areas.map((a) => {
            const s = a.byCategory[kind];
            return s ? Math.round(s.coveredShare * 1000) / 10 : 0;
          }),
        }),
      ),
    };
    instance.setOption(option, { notMerge: true });
    instance.resize({ height });
  }, [areas, kinds, label, height, t, i18n.language]);

  return <div ref={box} className="chart-box" style={{ height }} data-testid="coverage-chart" data-rendered={rendered} role="img" aria-label={label} />;
}
