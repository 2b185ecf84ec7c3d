// INTERACT: a user interaction on a page, such as a touch, drag or scroll (spec §2.4): its edata type and schema.
import { closedObject, NUMBER, OBJECT, STRING } from '../json-schema.js';
import { type Plugin, pluginSchema, type Target, targetSchema } from './parts.js';

export interface InteractEdata {
  /** "TOUCH", "DRAG", "DROP", "PINCH", "ZOOM", "SHAKE", "ROTATE", "SPEAK", "LISTEN", "WRITE", "DRAW", "START", "END",
   *  "CHOOSE", "ACTIVATE", "SHOW", "HIDE", "SCROLL", "HEARTBEAT", "OTHER" (free string). */
  type: string;
  /** A refinement of type, e.g. LISTEN → "PLAY", "PAUSE". */
  subtype?: string;
  /** The resource interacted with (button, screen, ...). */
  id: string;
  pageid?: string;
  target?: Target;
  plugin?: Plugin;
  /** Free object, e.g. `{ pos: [{x, y, z}], values: [] }`. */
  extra?: Record<string, unknown>;
  /** Not in the spec text; accepted by the pipeline schema. */
  duration?: number;
}

export const interactEdataSchema = closedObject(
  {
    type: STRING,
    subtype: STRING,
    id: STRING,
    pageid: STRING,
    target: targetSchema,
    plugin: pluginSchema,
    extra: OBJECT,
    duration: NUMBER,
  },
  ['type', 'id'],
);
