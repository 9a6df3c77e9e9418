// A user's picture, or their initial when they have none. Only https images are shown: the
// page's Content-Security-Policy allows nothing else, and a broken image helps nobody.

function safeImageUrl(image: string | null): string | null {
  if (!image) return null;
  try {
    return new URL(image).protocol === 'https:' ? image : null;
  } catch {
    return null;
  }
}

export function Avatar({
  username,
  image,
  size = 'small',
}: {
  username: string;
  image: string | null;
  size?: 'small' | 'large';
}) {
  const url = safeImageUrl(image);
  const className = `avatar avatar--${size}`;
  // alt="": the username is always written next to the picture.
  if (url) return <img className={className} src={url} alt="" referrerPolicy="no-referrer" />;
  return (
    <span className={`${className} avatar--initial`} aria-hidden="true">
      {username.charAt(0).toUpperCase()}
    </span>
  );
}
