/**
 * The one V3 ↔ PostHog mapping (docs/posthog.md), shared by the capture endpoints, the insights and the forwarder.
 */

/**
 * PostHog events an insight counts as the V3 eid: a page or screen view is an IMPRESSION, an autocaptured click or
 * change is an INTERACT. One direction: a series over `IMPRESSION` includes `$pageview`, a series over `$pageview`
 * is PostHog's events only.
 */
export const POSTHOG_EQUIVALENTS: Readonly<Record<string, readonly string[]>> = {
  IMPRESSION: ['$pageview', '$screen'],
  INTERACT: ['$autocapture'],
};

/** The event names an insight step or series over `eid` matches: the eid and its PostHog equivalents. */
export function eidsMatching(eid: string): readonly string[] {
  const equivalents = POSTHOG_EQUIVALENTS[eid];
  return equivalents ? [eid, ...equivalents] : [eid];
}
