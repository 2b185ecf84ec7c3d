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
  /** When set, a visit may start an assignment: start-assignment, ASSESS per question, submit-assignment. */
  assignment?: boolean;
}

/**
 * Screens of the random walk. Funnel steps must not appear here (see params.ts validation).
 * They cover e-Samwad's questions (../shared/reference/esamwad-use-cases.md): subject and
 * chapter selection, learning resources that are shared and rated, and student assignments.
 */
export const PAGES: Page[] = [
  {
    id: 'home',
    uri: '/home',
    env: 'home',
    type: 'view',
    buttons: ['menu', 'notifications-bell', 'profile-avatar'],
    links: [
      'students',
      'assessments',
      'content-library',
      'subject-selection',
      'assignment',
      'notifications',
      'profile',
    ],
  },
  {
    id: 'subject-selection',
    uri: '/learn/subjects',
    env: 'content',
    type: 'list',
    buttons: ['subject-card', 'back'],
    links: ['chapter-selection', 'home'],
  },
  {
    id: 'chapter-selection',
    uri: '/learn/chapters',
    env: 'content',
    type: 'list',
    buttons: ['chapter-card', 'back'],
    links: ['resource-detail', 'subject-selection'],
  },
  {
    id: 'assignment',
    uri: '/assignments/current',
    env: 'assignment',
    type: 'detail',
    buttons: ['back'],
    links: ['home'],
    assignment: true,
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

/** The assignment flow's buttons: outside every page's `buttons`, so only the flow clicks them. */
export const ASSIGNMENT_BUTTONS = { start: 'start-assignment', submit: 'submit-assignment' } as const;

/** How a resource is shared (SHARE edata.type, spec §2.9). */
export const SHARE_TYPES: string[] = ['Link', 'Link', 'File', 'Message'];

/** App errors (ERROR edata), as an Android app reports them. */
export const APP_ERRORS: { err: string; errtype: string; stacktrace: string }[] = [
  { err: 'ERR_DOWNLOAD_FAILED', errtype: 'CONTENT', stacktrace: 'DownloadManager.enqueue: HTTP 504' },
  { err: 'ERR_VIDEO_PLAYBACK', errtype: 'CONTENT', stacktrace: 'ExoPlayer: Source error' },
  { err: 'ERR_SYNC_FAILED', errtype: 'SYSTEM', stacktrace: 'SyncWorker.doWork: SocketTimeoutException' },
  { err: 'ERR_NULL_STUDENT', errtype: 'MOBILEAPP', stacktrace: 'StudentAdapter.onBind: NullPointerException' },
];

/** The organisation a user belongs to: Sunbird's `context.rollup` (l1 state … l4 school) and the UDISE code. */
export interface School {
  /** UDISE+ school code: 11 digits, state 02 (Himachal Pradesh), district, block, school. */
  udise: string;
  state: string;
  district: string;
  block: string;
}

const DISTRICTS = ['Shimla', 'Kangra', 'Mandi', 'Kullu', 'Solan', 'Hamirpur', 'Chamba', 'Una'];
const BLOCKS_PER_DISTRICT = 3;
const SCHOOLS_PER_BLOCK = 4;

/** 8 districts × 3 blocks × 4 schools of Himachal Pradesh: every report reads state → district → block → school. */
export const SCHOOLS: School[] = DISTRICTS.flatMap((district, d) =>
  Array.from({ length: BLOCKS_PER_DISTRICT * SCHOOLS_PER_BLOCK }, (_, i) => {
    const b = Math.floor(i / SCHOOLS_PER_BLOCK);
    const code = `02${String(d + 1).padStart(2, '0')}${String(b + 1).padStart(2, '0')}${String(1001 + i).padStart(5, '0')}`;
    return { udise: code, state: 'Himachal Pradesh', district, block: `${district} ${['North', 'South', 'East'][b]}` };
  }),
);

export const FEEDBACK_COMMENTS: string[] = ['useful', 'too long', 'students liked it', 'video did not load', 'good'];

/** context.cdata `selectedUser` roles, as in Samagra's PostHogManager, with their share of users. */
export const ROLES: { id: string; weight: number }[] = [
  { id: 'teacher', weight: 0.5 },
  { id: 'student', weight: 0.2 },
  { id: 'mentor', weight: 0.2 },
  { id: 'examiner', weight: 0.1 },
];
