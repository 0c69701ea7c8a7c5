// Simple pictograms for rules and behaviours (inline SVG, no external assets, no emoji fonts needed).
const COLOURS: Record<string, string> = {
  book: '#5b8def', broom: '#c7925a', ball: '#e0694b', bowl: '#f2b84b', pot: '#8c6bd1', tree: '#3f9b6e', scissors: '#d05a8c',
  chat: '#2f9fb3', moon: '#6270c4', pencil: '#e39c2f', people: '#2f6f5e', school: '#3a7bd5', flag: '#d9534f', heart: '#e05a6d',
  ear: '#c98a5a', kite: '#3fb3a0', smile: '#f2b84b', handshake: '#b07a4f', phone_off: '#7a7a8c', star: '#f2b84b', compass: '#4a90a4',
};

function glyph(name: string) {
  switch (name) {
    case 'book':
    case 'pencil':
      return <path d="M14 16h10a4 4 0 0 1 4 4v14a3 3 0 0 0-3-3H14zM34 16H24a4 4 0 0 0-4 4v14a3 3 0 0 1 3-3h11z" fill="#fff" />;
    case 'heart':
      return <path d="M24 34s-10-6-10-13a5 5 0 0 1 10-2 5 5 0 0 1 10 2c0 7-10 13-10 13z" fill="#fff" />;
    case 'smile':
    case 'ear':
      return (
        <g fill="none" stroke="#fff" strokeWidth="3" strokeLinecap="round">
          <circle cx="24" cy="24" r="11" />
          <path d="M19 27q5 5 10 0" />
          <circle cx="20" cy="21" r="1" fill="#fff" />
          <circle cx="28" cy="21" r="1" fill="#fff" />
        </g>
      );
    case 'tree':
      return <path d="M24 12l9 13h-6l6 8H15l6-8h-6zM22 33h4v5h-4z" fill="#fff" />;
    case 'people':
    case 'school':
      return (
        <g fill="#fff">
          <circle cx="18" cy="19" r="4" />
          <circle cx="30" cy="19" r="4" />
          <path d="M11 34a7 7 0 0 1 14 0zM23 34a7 7 0 0 1 14 0z" />
        </g>
      );
    case 'moon':
      return <path d="M28 13a11 11 0 1 0 7 19 9 9 0 0 1-7-19z" fill="#fff" />;
    case 'ball':
    case 'kite':
    case 'compass':
      return <circle cx="24" cy="24" r="10" fill="none" stroke="#fff" strokeWidth="3" />;
    case 'chat':
      return <path d="M13 15h22v14H22l-6 5v-5h-3z" fill="#fff" />;
    default:
      return <path d="M24 12l3.5 7.5 8 1-6 5.5 1.6 8L24 30l-7.1 4 1.6-8-6-5.5 8-1z" fill="#fff" />;
  }
}

export function RuleIcon({ name, size = 40 }: { name: string; size?: number }) {
  return (
    <svg viewBox="0 0 48 48" width={size} height={size} aria-hidden="true" className="points-icon">
      <rect x="2" y="2" width="44" height="44" rx="12" fill={COLOURS[name] ?? '#2f6f5e'} />
      {glyph(name)}
    </svg>
  );
}

/** The three faces a child picks from: 1 sometimes, 2 often, 3 always. */
export function Face({ value, size = 56 }: { value: 1 | 2 | 3; size?: number }) {
  const mouth = value === 1 ? 'M17 32h14' : value === 2 ? 'M17 30q7 5 14 0' : 'M15 28q9 10 18 0';
  const fill = value === 1 ? '#f6d68a' : value === 2 ? '#ffd66b' : '#ffc24b';
  return (
    <svg viewBox="0 0 48 48" width={size} height={size} aria-hidden="true">
      <circle cx="24" cy="24" r="21" fill={fill} stroke="#e0a93a" strokeWidth="2" />
      <circle cx="17" cy="19" r="2.5" fill="#3b3b3b" />
      <circle cx="31" cy="19" r="2.5" fill="#3b3b3b" />
      <path d={mouth} fill="none" stroke="#3b3b3b" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}
