/**
 * A small line chart in plain SVG for the home page, so its first load carries no chart library
 * (ECharts loads with the pages that need its chart types). Lines share one y scale from 0.
 */
// Dark enough for text on white (WCAG AA 4.5:1): the legend is written in these colours.
const COLOURS = ['#1f5f99', '#a4430f', '#2b6b1f', '#6b2f91'];

export function Sparkline(props: {
  label: string;
  buckets: string[];
  lines: { name: string; data: (number | null)[] }[];
}) {
  const w = 300;
  const h = 80;
  const max = Math.max(1, ...props.lines.flatMap((l) => l.data.map((v) => v ?? 0)));
  const x = (i: number) => (props.buckets.length < 2 ? w / 2 : (i * w) / (props.buckets.length - 1));
  const y = (v: number) => h - (v * (h - 4)) / max - 2;
  return (
    <figure className="sparkline">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={props.label} preserveAspectRatio="none">
        {props.lines.map((l, k) => (
          <polyline
            key={l.name}
            fill="none"
            stroke={COLOURS[k % COLOURS.length]}
            strokeWidth="2"
            vectorEffect="non-scaling-stroke"
            points={l.data.map((v, i) => `${x(i)},${y(v ?? 0)}`).join(' ')}
          />
        ))}
      </svg>
      <figcaption>
        {props.lines.map((l, k) => (
          <span key={l.name} style={{ color: COLOURS[k % COLOURS.length] }}>
            ● {l.name}{' '}
          </span>
        ))}
        <span className="hint">
          {props.buckets[0]} to {props.buckets[props.buckets.length - 1]}
        </span>
      </figcaption>
    </figure>
  );
}
