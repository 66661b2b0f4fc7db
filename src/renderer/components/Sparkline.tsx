/** A metric's history as a tiny line, drawn as plain SVG. */
export function Sparkline({ values, width = 80, height = 18 }: { values: number[]; width?: number; height?: number }) {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const pts = values.map((v, i) => `${((i / (values.length - 1)) * width).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={width} height={height} role="img" aria-label={`from ${values[0]} to ${values[values.length - 1]}`}>
      <polyline points={pts} fill="none" strokeWidth={1.5} />
    </svg>
  );
}
