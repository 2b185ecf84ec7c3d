/**
 * The simulated app: an e-Samwad-like teacher app (screens, buttons, content, search terms).
 * Screen names follow Samagra's e-Samwad/Nipun Lakshya instrumentation (see
 * ../shared/reference/samagra.md §3.1): a page id per screen, `pdata.pid` per app screen.
 */

export interface Page {
  /** edata.pageid of the page's IMPRESSION and of the INTERACTs on it. */
  id: string;
  uri: string;
  /** context.env of events on this page. */
  env: string;
  /** IMPRESSION edata.type (spec: list, detail, view, edit, workflow, search). */
  type: string;
  /** INTERACT edata.id values available on the page. */
  buttons: string[];
  /** Pages reachable from here; the walk picks one uniformly, which gives paths real structure. */
  links: string[];
  /** When set, the page shows one piece of content: its events carry an `object`. */
  content?: boolean;
}

/** Screens of the random walk. Funnel steps must not appear here (see params.ts validation). */
export const PAGES: Page[] = [
  {
    id: 'home',
    uri: '/home',
    env: 'home',
    type: 'view',
    buttons: ['menu', 'notifications-bell', 'profile-avatar'],
    links: ['students', 'assessments', 'content-library', 'notifications', 'profile'],
  },
  {
    id: 'students',
    uri: '/students',
    env: 'students',
    type: 'list',
    buttons: ['filter-grade', 'student-row', 'back'],
    links: ['student-detail', 'home'],
  },
  {
    id: 'student-detail',
    uri: '/students/detail',
    env: 'students',
    type: 'detail',
    buttons: ['call-parent', 'edit-student', 'back'],
    links: ['students', 'home'],
  },
  {
    id: 'assessments',
    uri: '/assessments',
    env: 'assessment',
    type: 'list',
    buttons: ['assessment-row', 'filter-subject', 'back'],
    links: ['assessment-detail', 'home'],
  },
  {
    id: 'assessment-detail',
    uri: '/assessments/detail',
    env: 'assessment',
    type: 'detail',
    buttons: ['start-assessment', 'view-results', 'back'],
    links: ['assessments', 'home'],
  },
  {
    id: 'content-library',
    uri: '/library',
    env: 'content',
    type: 'search',
    buttons: ['search-box', 'filter-subject', 'content-card'],
    links: ['resource-detail', 'resource-detail', 'home'],
  },
  {
    id: 'resource-detail',
    uri: '/library/resource',
    env: 'content',
    type: 'detail',
    buttons: ['play', 'share', 'download', 'back'],
    links: ['content-library', 'home'],
    content: true,
  },
  {
    id: 'notifications',
    uri: '/notifications',
    env: 'home',
    type: 'list',
    buttons: ['notification-row', 'mark-read'],
    links: ['home'],
  },
  {
    id: 'profile',
    uri: '/profile',
    env: 'home',
    type: 'view',
    buttons: ['edit-profile', 'change-language', 'logout'],
    links: ['home'],
  },
];

export const PAGE_BY_ID: ReadonlyMap<string, Page> = new Map(PAGES.map((p) => [p.id, p]));

/** Content ids in Sunbird's `do_` style; a small catalogue so FEEDBACK and paths repeat. */
export const CONTENT_IDS: string[] = Array.from({ length: 40 }, (_, i) => `do_3134${String(1000 + i)}`);

export const SEARCH_TERMS: string[] = [
  'fractions',
  'hindi varnamala',
  'addition',
  'english poem',
  'environment',
  'multiplication tables',
  'reading practice',
  'nipun lakshya',
  'shapes',
  'story',
];

export const FEEDBACK_COMMENTS: string[] = ['useful', 'too long', 'students liked it', 'video did not load', 'good'];

/** context.cdata `selectedUser` roles, as in Samagra's PostHogManager, with their share of users. */
export const ROLES: { id: string; weight: number }[] = [
  { id: 'teacher', weight: 0.7 },
  { id: 'mentor', weight: 0.2 },
  { id: 'examiner', weight: 0.1 },
];
