import { useEffect, useState } from "react";

/** A clock for the duration of running runs, ticking each second while `active`; it only redraws, it never fetches. */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
