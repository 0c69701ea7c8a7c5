import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import {
  canManageOrganisation,
  communitiesAdministered,
  hasRole,
  isDistrictStaff,
  organisationsWithRole,
  requireAdult,
  type Actor,
  type RequestContext,
} from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { ReachService } from '../reach/reach.service.ts';
import * as repo from './study.repository.ts';

export interface StopInput {
  organisationId: string;
  dwellMinutes?: number;
  note?: string | null;
}

export interface RouteAggregate {
  route: repo.RouteRow;
  stops: repo.StopRow[];
}

/** Who plans study tours: district and guidance-centre staff, school staff, community admins. */
function canPlanRoutes(actor: Actor) {
  return hasRole(actor, 'district_admin', 'centre_staff', 'school_admin', 'teacher', 'community_admin');
}

/** Offer types a school can bring a group to. */
const VISITABLE_TYPES = ['study_tour', 'visit', 'activity'];

/** Today in China (the program's time zone), as YYYY-MM-DD. */
function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * The study map (研学地图), study-tour routes (游学线路) with walking legs from the 15-minute engine, and group visits:
 * a school asks a base for a date and a group size; the base accepts within the offer's capacity or declines.
 */
export class StudyService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly reach: ReachService,
  ) {}

  async studyMap(filter: { category?: string; designation?: string }) {
    const bases = await repo.listBases(this.db, filter);
    const terms = await repo.organisationTerms(this.db, bases.map((b) => b.id));
    return { bases, terms };
  }

  // ---- routes -----------------------------------------------------------------------------------------------------

  /** Public catalogue: published routes; staff also see their own drafts, district staff every draft. */
  async listRoutes(ctx: RequestContext, filter: { theme?: string; status?: 'draft' | 'published' | 'archived'; limit: number; offset: number }) {
    const actor = ctx.actor && !ctx.actor.child ? ctx.actor : null;
    const visible: ('draft' | 'published' | 'archived')[] = actor && isDistrictStaff(actor) ? ['published', 'draft', 'archived'] : ['published'];
    const statuses = filter.status ? visible.filter((s) => s === filter.status) : visible.filter((s) => s !== 'archived');
    // Authors also see their own drafts (and, when they ask, their archived routes).
    const ownStatuses: ('draft' | 'published' | 'archived')[] = filter.status ? [filter.status] : ['draft'];
    const { items, total } = await repo.listRoutes(this.db, {
      statuses,
      createdBy: actor && canPlanRoutes(actor) ? actor.userId : undefined,
      ownStatuses,
      theme: filter.theme,
      limit: filter.limit,
      offset: filter.offset,
    });
    const stops = await repo.stopsOf(this.db, items.map((r) => r.id));
    return { items: items.map((route) => ({ route, stops: stops.filter((s) => s.route_id === route.id) })), total };
  }

  async getRoute(ctx: RequestContext, id: string): Promise<RouteAggregate> {
    const route = await repo.findRoute(this.db, id);
    if (!route) throw new AppError('not_found', 'No such route.');
    if (route.status !== 'published') {
      const actor = ctx.actor && !ctx.actor.child ? ctx.actor : null;
      if (!actor || !(isDistrictStaff(actor) || route.created_by === actor.userId)) throw new AppError('not_found', 'No such route.');
    }
    return { route, stops: await repo.stopsOf(this.db, [id]) };
  }

  async createRoute(ctx: RequestContext, input: { title: string; theme?: string | null; description?: string | null; stops: StopInput[]; publish?: boolean }) {
    const actor = requireAdult(ctx);
    if (!canPlanRoutes(actor)) throw new AppError('forbidden', 'Study-tour routes are planned by district, school and community staff.');
    if (input.publish && !isDistrictStaff(actor)) throw new AppError('forbidden', 'District staff publish routes to the catalogue.');
    return this.db.transaction().execute(async (trx) => {
      await this.assertTheme(trx, input.theme);
      const walk = await this.walkFor(trx, input.stops);
      const id = await repo.insertRoute(trx, { title: input.title, theme: input.theme ?? null, description: input.description ?? null, status: input.publish ? 'published' : 'draft', createdBy: actor.userId, walk });
      await repo.replaceStops(trx, id, input.stops.map((s) => ({ organisationId: s.organisationId, dwellMinutes: s.dwellMinutes ?? 30, note: s.note ?? null })));
      await recordAudit(trx, ctx, { action: 'study.route_create', resourceType: 'study_route', resourceId: id, detail: { stops: input.stops.length } });
      return { route: (await repo.findRoute(trx, id))!, stops: await repo.stopsOf(trx, [id]) };
    });
  }

  async updateRoute(ctx: RequestContext, id: string, input: { title?: string; theme?: string | null; description?: string | null; stops?: StopInput[]; status?: 'draft' | 'published' | 'archived'; recompute?: boolean }) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      const route = await repo.findRoute(trx, id, true);
      if (!route) throw new AppError('not_found', 'No such route.');
      if (!isDistrictStaff(actor) && route.created_by !== actor.userId) throw new AppError('out_of_scope', 'Only its author or district staff change a route.');
      if (input.status && input.status !== route.status && !isDistrictStaff(actor)) throw new AppError('forbidden', 'District staff publish and archive routes.');
      await this.assertTheme(trx, input.theme);
      let walk;
      if (input.stops) {
        walk = await this.walkFor(trx, input.stops);
        await repo.replaceStops(trx, id, input.stops.map((s) => ({ organisationId: s.organisationId, dwellMinutes: s.dwellMinutes ?? 30, note: s.note ?? null })));
      } else if (input.recompute) {
        const stops = await repo.stopsOf(trx, [id]);
        walk = await this.walkFor(trx, stops.map((s) => ({ organisationId: s.organisation_id })));
      }
      await repo.updateRoute(trx, id, { title: input.title, theme: input.theme, description: input.description, status: input.status, walk });
      await recordAudit(trx, ctx, { action: 'study.route_update', resourceType: 'study_route', resourceId: id, detail: { fields: Object.keys(input) } });
      return { route: (await repo.findRoute(trx, id))!, stops: await repo.stopsOf(trx, [id]) };
    });
  }

  private async walkFor(db: Kysely<DB>, stops: StopInput[]) {
    const ids = stops.map((s) => s.organisationId);
    if (new Set(ids).size !== ids.length) throw new AppError('validation_failed', 'A place appears twice in the route.', { issues: [{ path: 'stops', message: 'duplicate stop' }] });
    const orgs = await repo.findLocatedOrganisations(db, ids);
    const points: [number, number][] = ids.map((id, i) => {
      const org = orgs.find((o) => o.id === id);
      if (!org) throw new AppError('validation_failed', 'Unknown place in the route.', { issues: [{ path: `stops.${i}.organisationId`, message: 'no such organisation' }] });
      if (org.lon === null || org.lat === null) throw new AppError('validation_failed', `${org.name} has no location.`, { issues: [{ path: `stops.${i}.organisationId`, message: 'organisation without coordinates' }] });
      return [org.lon, org.lat];
    });
    return this.reach.walkLegs(points);
  }

  private async assertTheme(db: Kysely<DB>, theme: string | null | undefined) {
    if (!theme) return;
    const term = await db.selectFrom('taxonomy_terms').select('id').where('taxonomy_id', '=', 'base_category').where('code', '=', theme).executeTakeFirst();
    if (!term) throw new AppError('validation_failed', 'Unknown theme.', { issues: [{ path: 'theme', message: 'not a base_category code' }] });
  }

  // ---- group visits -----------------------------------------------------------------------------------------------

  /** A school asks a base for a group visit. Safe to retry: the same Idempotency-Key returns the same request. */
  async requestVisit(ctx: RequestContext, key: string, input: { serviceId: string; schoolId: string; visitDate: string; groupSize: number; note?: string | null }) {
    const actor = requireAdult(ctx);
    if (!organisationsWithRole(actor, 'school_admin', 'teacher').includes(input.schoolId)) {
      throw new AppError('out_of_scope', 'You can request visits for your own school only.');
    }
    const existing = await repo.findVisitByKey(this.db, actor.userId, key);
    if (existing) return this.sameRequestOrConflict(existing, input);
    const service = await repo.findServiceForVisit(this.db, input.serviceId);
    if (!service || service.status !== 'active') throw new AppError('validation_failed', 'Unknown or inactive offer.', { issues: [{ path: 'serviceId', message: 'no active offer with this id' }] });
    if (service.kind !== 'venue' || !VISITABLE_TYPES.includes(service.service_type)) {
      throw new AppError('validation_failed', 'Group visits are requested for study tours, visits and activities of bases.', { issues: [{ path: 'serviceId', message: 'not a visit offer of a base' }] });
    }
    if (input.visitDate < todayInChina()) throw new AppError('validation_failed', 'The visit date is in the past.', { issues: [{ path: 'visitDate', message: 'in the past' }] });
    if (service.capacity !== null) {
      // Refuse early what could never be accepted: the day's accepted groups plus this one must fit.
      const taken = await repo.acceptedSeats(this.db, input.serviceId, input.visitDate);
      if (taken + input.groupSize > service.capacity) {
        throw new AppError('capacity_exceeded', `Only ${Math.max(0, service.capacity - taken)} of ${service.capacity} places are left on ${input.visitDate}.`, {
          issues: [{ path: 'groupSize', message: `at most ${Math.max(0, service.capacity - taken)}`, code: 'places_left' }],
        });
      }
    }
    return this.db.transaction().execute(async (trx) => {
      const id = await repo.insertVisit(trx, { serviceId: input.serviceId, schoolId: input.schoolId, requestedBy: actor.userId, key, visitDate: input.visitDate, groupSize: input.groupSize, note: input.note ?? null });
      if (!id) {
        // A concurrent retry with the same key won the insert: answer as it did.
        const winner = (await repo.findVisitByKey(trx, actor.userId, key))!;
        return this.sameRequestOrConflict(winner, input);
      }
      await recordAudit(trx, ctx, { action: 'study.visit_request', resourceType: 'visit_request', resourceId: id, detail: { serviceId: input.serviceId, schoolId: input.schoolId, visitDate: input.visitDate, groupSize: input.groupSize } });
      return (await repo.findVisit(trx, id))!;
    });
  }

  async listVisits(ctx: RequestContext, filter: { status?: string; limit: number }) {
    const actor = requireAdult(ctx);
    if (isDistrictStaff(actor)) return repo.listVisits(this.db, { all: true, ...filter });
    const schoolIds = organisationsWithRole(actor, 'school_admin', 'teacher');
    const venueIds = organisationsWithRole(actor, 'venue_manager', 'school_admin');
    const communities = communitiesAdministered(actor);
    if (communities.length > 0) {
      const rows = await this.db.selectFrom('organisations').select('id').where('division_code', 'in', communities).where('kind', 'in', ['venue', 'community_parent_school']).execute();
      venueIds.push(...rows.map((r) => r.id));
    }
    if (schoolIds.length === 0 && venueIds.length === 0) throw new AppError('forbidden', 'Visit requests are for school and venue staff.');
    return repo.listVisits(this.db, { schoolIds, venueIds, ...filter });
  }

  /** The base accepts when the offer still has room that day; concurrent acceptances are serialised on the offer. */
  async decideVisit(ctx: RequestContext, id: string, decision: 'accept' | 'decline', note: string | null) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      const visit = await repo.findVisit(trx, id);
      if (!visit) throw new AppError('not_found', 'No such visit request.');
      if (!canManageOrganisation(actor, { id: visit.venue_id, kind: visit.venue_kind, division_code: visit.venue_division_code })) {
        throw new AppError('out_of_scope', 'Only the base that received the request decides it.');
      }
      if (decision === 'accept') {
        const service = await repo.lockService(trx, visit.service_id);
        if (visit.status !== 'pending') throw new AppError('invalid_transition', `The request is ${visit.status}.`);
        const taken = await repo.acceptedSeats(trx, visit.service_id, visit.visit_date);
        if (service?.capacity != null && taken + visit.group_size > service.capacity) {
          throw new AppError('capacity_exceeded', `Only ${Math.max(0, service.capacity - taken)} places are left on ${visit.visit_date}.`, {
            issues: [{ path: 'groupSize', message: `at most ${Math.max(0, service.capacity - taken)}`, code: 'places_left' }],
          });
        }
      }
      const changed = await repo.setVisitStatus(trx, id, {
        status: decision === 'accept' ? 'accepted' : 'declined',
        decidedBy: actor.userId,
        note,
        expected: decision === 'accept' ? ['pending'] : ['pending', 'accepted'],
      });
      if (!changed) throw new AppError('invalid_transition', `The request is ${visit.status}.`);
      await recordAudit(trx, ctx, { action: decision === 'accept' ? 'study.visit_accept' : 'study.visit_decline', resourceType: 'visit_request', resourceId: id, detail: { note } });
      return (await repo.findVisit(trx, id))!;
    });
  }

  async cancelVisit(ctx: RequestContext, id: string, note: string | null = null) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      const visit = await repo.findVisit(trx, id);
      if (!visit) throw new AppError('not_found', 'No such visit request.');
      if (!organisationsWithRole(actor, 'school_admin', 'teacher').includes(visit.school_id)) throw new AppError('out_of_scope', 'Only the requesting school cancels.');
      if (!(await repo.setVisitStatus(trx, id, { status: 'cancelled', decidedBy: actor.userId, note, expected: ['pending', 'accepted'] }))) {
        throw new AppError('invalid_transition', `The request is ${visit.status}.`);
      }
      await recordAudit(trx, ctx, { action: 'study.visit_cancel', resourceType: 'visit_request', resourceId: id });
      return (await repo.findVisit(trx, id))!;
    });
  }

  private sameRequestOrConflict(existing: repo.VisitRow, input: { serviceId: string; schoolId: string; visitDate: string; groupSize: number; note?: string | null }) {
    const same =
      existing.service_id === input.serviceId && existing.school_id === input.schoolId && existing.visit_date === input.visitDate && existing.group_size === input.groupSize && (existing.note ?? null) === (input.note ?? null);
    if (!same) throw new AppError('idempotency_key_reused');
    return existing;
  }
}
