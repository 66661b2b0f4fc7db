/** Inline icons: everything the UI draws ships with it. */
const PATHS: Record<string, string> = {
  stores: 'M3 6.5C3 5.1 6.6 4 11 4s8 1.1 8 2.5S15.4 9 11 9 3 7.9 3 6.5Zm0 0v9C3 16.9 6.6 18 11 18s8-1.1 8-2.5v-9M3 11c0 1.4 3.6 2.5 8 2.5s8-1.1 8-2.5',
  files: 'M6 3h7l4 4v12a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1Zm7 0v4h4M8 12h7M8 15.5h7',
  search: 'M10 17a7 7 0 1 1 0-14 7 7 0 0 1 0 14Zm5-2 5 5',
  refresh: 'M19 11a8 8 0 1 1-2.3-5.7M19 4v4h-4',
  stop: 'M7 7h10v10H7z',
  trash: 'M5 7h14M10 7V4h4v3m-7 0 1 13h8l1-13',
  folder: 'M3 7a1 1 0 0 1 1-1h5l2 2h9a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V7Z',
  plus: 'M12 5v14M5 12h14',
lineage: 'M4 6h4v4H4zM14 3h4v4h-4zM14 15h4v4h-4zM8 8h3a2 2 0 0 1 2 2v-3m-5 1h3a2 2 0 0 1 2 2v5',
  registry: 'M5 4h12v15l-6-3.5L5 19V4Zm3 4h6M8 11h4',
  compare: 'M4 4h6v15H4zM12 4h6v15h-6zM7 8v0M15 11h0',
  card: 'M5 3h9l4 4v13H5V3Zm3 7h7M8 13h7M8 16h4',
  alert: 'M12 4 2.5 20h19L12 4Zm0 6v4m0 3v.5',
};

export function Icon({ name, size = 18 }: { name: keyof typeof PATHS | string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 22 22" fill="none" stroke="currentColor" strokeWidth={1.6} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={PATHS[name] ?? ''} />
    </svg>
  );
}
