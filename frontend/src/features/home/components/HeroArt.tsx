/** A decorative meeting grid in DSFR colours (inline SVG: no request, crisp at any size). */
export function HeroArt() {
  return (
    <div className="v-hero" aria-hidden="true">
      <svg viewBox="0 0 480 360" role="presentation" focusable="false">
        <rect x="0" y="0" width="480" height="360" rx="24" fill="#ececfe" />
        <rect x="24" y="24" width="432" height="264" rx="16" fill="#161616" />
        {/* Four tiles */}
        <rect x="40" y="40" width="196" height="112" rx="10" fill="#2a2a2a" />
        <rect x="244" y="40" width="196" height="112" rx="10" fill="#2a2a2a" stroke="#8585f6" strokeWidth="4" />
        <rect x="40" y="160" width="196" height="112" rx="10" fill="#2a2a2a" />
        <rect x="244" y="160" width="196" height="112" rx="10" fill="#2a2a2a" />
        <circle cx="138" cy="96" r="30" fill="#000091" />
        <circle cx="342" cy="96" r="30" fill="#e1000f" />
        <circle cx="138" cy="216" r="30" fill="#18753c" />
        <circle cx="342" cy="216" r="30" fill="#5151d3" />
        <g fill="#fff">
          <circle cx="138" cy="88" r="10" />
          <path d="M118 114a20 14 0 0 1 40 0z" />
          <circle cx="342" cy="88" r="10" />
          <path d="M322 114a20 14 0 0 1 40 0z" />
          <circle cx="138" cy="208" r="10" />
          <path d="M118 234a20 14 0 0 1 40 0z" />
          <circle cx="342" cy="208" r="10" />
          <path d="M322 234a20 14 0 0 1 40 0z" />
        </g>
        {/* Controls bar */}
        <g>
          <circle cx="180" cy="322" r="18" fill="#3a3a3a" />
          <circle cx="226" cy="322" r="18" fill="#3a3a3a" />
          <circle cx="272" cy="322" r="18" fill="#3a3a3a" />
          <rect x="298" y="304" width="52" height="36" rx="18" fill="#ce0500" />
          <rect x="173" y="312" width="14" height="20" rx="7" fill="#fff" />
          <rect x="216" y="314" width="16" height="16" rx="3" fill="#fff" />
          <path d="M232 318l6-4v16l-6-4z" fill="#fff" />
          <rect x="262" y="314" width="20" height="14" rx="2" fill="none" stroke="#fff" strokeWidth="2.5" />
          <rect x="312" y="319" width="24" height="6" rx="3" fill="#fff" />
        </g>
        {/* Speech bubble */}
        <g>
          <rect x="356" y="200" width="108" height="56" rx="12" fill="#fff" stroke="#000091" strokeWidth="3" />
          <rect x="370" y="216" width="72" height="8" rx="4" fill="#000091" />
          <rect x="370" y="232" width="48" height="8" rx="4" fill="#e1000f" />
        </g>
      </svg>
    </div>
  );
}
