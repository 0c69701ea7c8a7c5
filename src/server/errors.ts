/**
 * The one error vocabulary of the API. Every error a client can see has a stable snake_case id and a status.
 * Messages are English developer-facing text; the web app localises by id.
 */
export const errorCatalogue = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_id: { status: 400, message: 'An id in the path is not valid.' },
  constraint_violation: { status: 400, message: 'The data breaks a rule of the registry.' },
  invalid_credentials: { status: 401, message: 'The sign-in name or password is wrong.' },
  unauthenticated: { status: 401, message: 'Sign in first.' },
  session_expired: { status: 401, message: 'Your session has expired; sign in again.' },
  invalid_token: { status: 401, message: 'The API token is not valid, expired or revoked.' },
  invalid_pin: { status: 401, message: 'The PIN is wrong.' },
  csrf_token_missing: { status: 403, message: 'The x-csrf-token header is missing.' },
  csrf_token_invalid: { status: 403, message: 'The x-csrf-token header does not match the session.' },
  forbidden: { status: 403, message: 'Your role does not allow this.' },
  out_of_scope: { status: 403, message: 'This belongs to a school, community, venue or family outside your scope.' },
  child_mode: { status: 403, message: 'Not available in child mode.' },
  account_disabled: { status: 403, message: 'This account is disabled.' },
  not_found: { status: 404, message: 'Not found.' },
  route_not_found: { status: 404, message: 'No such API endpoint.' },
  method_not_allowed: { status: 405, message: 'Method not allowed.' },
  already_exists: { status: 409, message: 'Something with the same unique value already exists.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  point_outside_graph: { status: 422, message: 'The point is too far from any walkable street of the graph.' },
  invalid_minutes: { status: 400, message: 'Minutes must be more than 0 and at most 240.' },
  invalid_argument: { status: 400, message: 'An argument of the walking query is not valid.' },
  no_route: { status: 422, message: 'No walking route connects these two points.' },
  coverage_method_changed: { status: 409, message: 'The coverage run was computed by another method than the engine uses now; run coverage again.' },
  no_district_boundary: { status: 409, message: 'The registry has no district outline yet.' },
  idempotency_key_required: { status: 400, message: 'Send an Idempotency-Key header (any unique string of 8–100 characters) with this request.' },
  idempotency_key_reused: { status: 409, message: 'This Idempotency-Key was already used for a different request.' },
  capacity_exceeded: { status: 409, message: 'Not enough capacity left for this.' },
  invalid_transition: { status: 409, message: 'This cannot be done in the current state.' },
  invitation_invalid: { status: 410, message: 'The invitation code is unknown, used or expired.' },
  points_idempotency_conflict: { status: 409, message: 'This idempotency key was already used for a different request.' },
  points_cap_exceeded: { status: 409, message: "This would go over the rule's points cap for the day, week or term." },
  points_insufficient_balance: { status: 409, message: 'The family does not have enough points.' },
  points_already_reversed: { status: 409, message: 'This entry has already been reversed.' },
  points_not_reversible: { status: 409, message: 'This entry cannot be reversed: a reversal is final, and a redemption is undone by cancelling it.' },
  points_rule_unknown: { status: 400, message: "No such active rule of this kind in the family's current term." },
  points_no_term: { status: 409, message: "No points term covers this date in the family's district." },
  points_date_out_of_range: { status: 400, message: 'The date is in the future, too far back, or outside the term.' },
  points_self_award: { status: 403, message: 'Staff cannot credit points to their own family.' },
  points_not_family_guardian: { status: 403, message: 'That person is not a guardian of this family.' },
  points_rating_duplicate: { status: 409, message: 'This behaviour has already been rated for this guardian this week.' },
  points_reward_unavailable: { status: 409, message: 'This reward is not on offer to this family.' },
  points_out_of_stock: { status: 409, message: 'This reward is out of stock.' },
  points_redemption_limit: { status: 409, message: "The family has reached this reward's limit." },
  points_photo_invalid: { status: 400, message: 'The photo must be a JPEG, PNG or WebP image of at most 700 KB.' },
  points_version_conflict: { status: 409, message: 'Someone changed this since you loaded it; nothing was saved. Reload and apply your change again.' },
  class_session_full: { status: 409, message: 'The session and its waitlist are full.' },
  class_session_started: { status: 409, message: 'The session has already started or is over.' },
  class_session_cancelled: { status: 409, message: 'The session has been cancelled.' },
  class_already_booked: { status: 409, message: 'This family, or one of these guardians, already has a booking for this session.' },
  class_family_limit: { status: 409, message: "The family has reached this class's limit of bookings." },
  class_cancellation_closed: { status: 409, message: 'The deadline for cancelling has passed.' },
  class_not_bookable: { status: 409, message: 'This session is not booked online: the parent school enrols families in its fixed classes.' },
  class_child_without_guardian: { status: 400, message: 'A child comes with at least one guardian of the family.' },
  class_children_not_allowed: { status: 400, message: 'This session takes no children, or not that many.' },
  class_seat_taken: { status: 409, message: 'That seat is already assigned to another family.' },
  class_not_on_roster: { status: 403, message: 'This guardian has no confirmed booking or enrolment for this session.' },
  class_checkin_closed: { status: 409, message: 'Check-in is not open for this session now.' },
  class_already_checked_in: { status: 409, message: 'Already checked in for this session.' },
  class_checkin_token_expired: { status: 410, message: 'The check-in code has expired; scan the current one.' },
  class_checkin_token_invalid: { status: 400, message: 'This is not a valid check-in code.' },
  calendar_feed_not_found: { status: 404, message: 'This calendar link does not exist or was revoked.' },
  library_no_file: { status: 409, message: 'This library entry has no file yet: there is nothing to play, read or download.' },
  library_file_type: { status: 415, message: 'The library takes video (MP4, WebM), audio (MP3, M4A, WAV, Ogg, WebM), PDF documents and UTF-8 text or Markdown articles.' },
  library_file_empty: { status: 400, message: 'The uploaded file is empty.' },
  library_file_mismatch: { status: 400, message: 'The file content does not match its declared type.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  import_file_empty: { status: 400, message: 'The uploaded file is empty or has no header row.' },
  import_file_unreadable: { status: 400, message: 'The file is neither a CSV text file nor a readable XLSX workbook.' },
  import_encoding_mismatch: { status: 400, message: 'The file does not decode cleanly in this encoding; try encoding=utf-8 or encoding=gb18030.' },
  import_columns_missing: { status: 400, message: 'Required columns are missing from the header row.' },
  import_rows_invalid: { status: 422, message: 'Some rows have problems; nothing was imported (see the report, or import the valid rows only).' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  too_many_attempts: { status: 429, message: 'Too many failed attempts; wait and try again.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  database_unavailable: { status: 503, message: 'The database is not reachable.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorId = keyof typeof errorCatalogue;

export interface ErrorIssue {
  path: string;
  message: string;
  code?: string;
}

/** An error a client is meant to see; thrown anywhere, mapped once by the HTTP layer's onError. */
export class AppError extends Error {
  readonly id: ErrorId;
  readonly status: number;
  readonly issues?: ErrorIssue[];
  readonly headers?: Record<string, string>;

  constructor(id: ErrorId, message?: string, options: { issues?: ErrorIssue[]; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message ?? errorCatalogue[id].message, { cause: options.cause });
    this.name = 'AppError';
    this.id = id;
    this.status = errorCatalogue[id].status;
    this.issues = options.issues;
    this.headers = options.headers;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Error codes of the reachability engine that are the caller's fault, mapped to our vocabulary. */
const reachErrorIds: Record<string, ErrorId> = {
  point_outside_graph: 'point_outside_graph',
  invalid_minutes: 'invalid_minutes',
  invalid_argument: 'invalid_argument',
  invalid_geojson: 'validation_failed',
  invalid_venues: 'validation_failed',
};

/** Maps an engine error (`ReachError` with a stable `code`) to an API error, or null. */
export function errorFromReach(error: unknown): AppError | null {
  if (!(error instanceof Error) || error.name === 'AppError') return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !(code in reachErrorIds)) return null;
  return new AppError(reachErrorIds[code]!, error.message, { cause: error });
}

/** Maps a PostgreSQL SQLSTATE (from pg or PGlite) to an API error, or null when it is a server fault. */
export function errorFromSqlState(error: unknown): AppError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || code.length !== 5) return null;
  const detail = (error as { detail?: string }).detail;
  switch (code) {
    case '23505':
      return new AppError('already_exists', detail ? `Already exists: ${detail}` : undefined, { cause: error });
    case '23503':
      return new AppError('constraint_violation', 'A referenced record does not exist.', { cause: error });
    case '23514':
    case '23502':
    case '22001':
    case '22003':
    case '22007':
    case '22008':
      return new AppError('constraint_violation', undefined, { cause: error });
    case '22P02':
      return new AppError('validation_failed', 'A value has the wrong format.', { cause: error });
    case '40001':
    case '40P01':
      return new AppError('conflict', 'A concurrent change got in the way; try again.', { cause: error });
    case '57P01':
    case '57P03':
    case '08000':
    case '08003':
    case '08006':
      return new AppError('database_unavailable', undefined, { cause: error });
    default:
      return null;
  }
}
