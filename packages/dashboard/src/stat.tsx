/** One figure with its label under it (the home page's and the forwarder panel's tiles); `id` is its test id. */
export function Stat({ label, value, id }: { label: string; value: string; id: string }) {
  return (
    <div className="stat">
      <span className="value" data-testid={id}>
        {value}
      </span>
      <span className="label">{label}</span>
    </div>
  );
}
