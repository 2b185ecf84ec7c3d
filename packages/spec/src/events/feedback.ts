// FEEDBACK: a rating or comment from the user (spec §2.8): its edata type and schema.
import { closedObject, NUMBER, STRING } from '../json-schema.js';

/** Nothing is required. */
export interface FeedbackEdata {
  /** +1 like, -1 dislike, or stars such as 4.5. */
  rating?: number;
  comments?: string;
  /** Not in the spec text; accepted by the pipeline schema. */
  commentid?: string;
  /** Not in the spec text; accepted by the pipeline schema. */
  commenttxt?: string;
}

export const feedbackEdataSchema = closedObject({
  rating: NUMBER,
  comments: STRING,
  commentid: STRING,
  commenttxt: STRING,
});
