import type { Kysely } from 'kysely';
import type { Crs, DB } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { toWgs84 } from '../../lib/geo.ts';
import { canManageOrganisation, isDistrictStaff, requireAdult, type Actor, type RequestContext } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import * as repo from './directory.repository.ts';
import { indexServices, indexServicesAtLocation, indexServicesOfOrganisation, indexServicesWithTerm } from './directory.search.ts';
import type { LinkType, OpeningHours, ServiceSchedule, ServiceStatus, ServiceType, Audience } from './directory.tables.ts';

export interface ServiceInput {
  organisationId?: string;
  name?: string;
  alternateName?: string | null;
  description?: string | null;
  serviceType?: ServiceType;
  status?: ServiceStatus;
  audience?: Audience;
  minAge?: number | null;
  maxAge?: number | null;
  isFree?: boolean;
  feesDescription?: string | null;
  capacity?: number | null;
  bookingRequired?: boolean;
  url?: string | null;
  email?: string | null;
  contactName?: string | null;
  contactPhone?: string | null;
  schedules?: ServiceSchedule[];
  categories?: string[];
  locationIds?: string[];
}

export interface LocationInput {
  organisationId?: string;
  name?: string;
  description?: string | null;
  address?: string | null;
  divisionCode?: string | null;
  location?: { lon: number; lat: number; crs: Crs } | null;
  openingHours?: OpeningHours[];
  accessibility?: string | null;
}

export interface ServiceAggregate {
  service: repo.ServiceRow;
  categories: repo.AttachedTerm[];
  locations: Awaited<ReturnType<typeof repo.locationsOfServices>>;
}

/**
 * The directory of places and offers (HSDS-aligned). Reading is public (it is what families look for); writing is
 * scoped like the registry: district staff everything, a venue/school admin their own organisation, a community admin
 * the parent schools and venues of their community. Every change bumps the version, stores the entity's new state in
 * directory_changes and writes an audit row, in the same transaction.
 */
export class DirectoryService {
  constructor(private readonly db: Kysely<DB>) {}

  // ---- taxonomies -------------------------------------------------------------------------------------------------

  async taxonomies() {
    const [taxonomies, terms] = await Promise.all([repo.listTaxonomies(this.db), repo.listTerms(this.db)]);
    return taxonomies.map((taxonomy) => ({ taxonomy, terms: terms.filter((t) => t.taxonomy_id === taxonomy.id) }));
  }

  async createTerm(ctx: RequestContext, taxonomyId: string, input: { code: string; name: string; nameEn: string; description?: string; sortOrder?: number }) {
    const actor = this.requireDistrictStaff(ctx);
    return this.db.transaction().execute(async (trx) => {
      const taxonomy = (await repo.listTaxonomies(trx)).find((t) => t.id === taxonomyId);
      if (!taxonomy) throw new AppError('not_found', `No taxonomy ${taxonomyId}.`);
      const term = await repo.insertTerm(trx, { taxonomyId, code: input.code, name: input.name, nameEn: input.nameEn, description: input.description ?? null, sortOrder: input.sortOrder ?? 100 });
      await repo.insertChange(trx, { entityType: 'taxonomy_term', entityId: term.id, version: 1, change: 'create', changedBy: actor.userId, changes: { ...input, taxonomyId }, snapshot: term as never });
      await recordAudit(trx, ctx, { action: 'directory.term_create', resourceType: 'taxonomy_term', resourceId: term.id, detail: { taxonomyId, code: input.code } });
      return term;
    });
  }

  async updateTerm(ctx: RequestContext, id: string, input: { name?: string; nameEn?: string; description?: string | null; sortOrder?: number }) {
    const actor = this.requireDistrictStaff(ctx);
    return this.db.transaction().execute(async (trx) => {
      const term = await repo.updateTerm(trx, id, input);
      if (!term) throw new AppError('not_found', 'No such taxonomy term.');
      if (input.name !== undefined) await indexServicesWithTerm(trx, id);
      const versions = await trx.selectFrom('directory_changes').select((eb) => eb.fn.max('version').as('v')).where('entity_id', '=', id).executeTakeFirst();
      await repo.insertChange(trx, { entityType: 'taxonomy_term', entityId: id, version: Number(versions?.v ?? 0) + 1, change: 'update', changedBy: actor.userId, changes: input, snapshot: term as never });
      await recordAudit(trx, ctx, { action: 'directory.term_update', resourceType: 'taxonomy_term', resourceId: id, detail: { changes: input } });
      return term;
    });
  }

  // ---- services ---------------------------------------------------------------------------------------------------

  async listServices(filter: Omit<repo.ServiceFilter, 'categoryTermIds' | 'openOnWeekday'> & { category?: string; openOn?: number }) {
    const { category, openOn, ...rest } = filter;
    const categoryTermIds = category ? [await this.termId(this.db, 'base_category', category, 'category')] : undefined;
    const { items, total } = await repo.listServices(this.db, { ...rest, categoryTermIds, openOnWeekday: openOn, status: rest.status ?? 'active' });
    return { items: await this.aggregates(this.db, items), total };
  }

  async getService(id: string) {
    const row = await repo.findService(this.db, id);
    if (!row) throw new AppError('not_found', 'No such service.');
    return (await this.aggregates(this.db, [row]))[0]!;
  }

  async createService(ctx: RequestContext, input: ServiceInput & { organisationId: string; name: string; serviceType: ServiceType }) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      await this.assertManages(trx, actor, input.organisationId);
      const { categories, locationIds, ...fields } = input;
      const id = await repo.insertService(trx, fields);
      await this.applyLinks(trx, id, input.organisationId, categories, locationIds);
      await indexServices(trx, [id]);
      const aggregate = await this.loadService(trx, id);
      await repo.insertChange(trx, { entityType: 'service', entityId: id, version: 1, change: 'create', changedBy: actor.userId, changes: input as never, snapshot: snapshotOf(aggregate) });
      await recordAudit(trx, ctx, { action: 'directory.service_create', resourceType: 'service', resourceId: id, detail: { organisationId: input.organisationId } });
      return aggregate;
    });
  }

  async updateService(ctx: RequestContext, id: string, input: ServiceInput) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      const existing = await repo.findService(trx, id);
      if (!existing) throw new AppError('not_found', 'No such service.');
      await this.assertManages(trx, actor, existing.organisation_id);
      const minAge = input.minAge !== undefined ? input.minAge : existing.min_age;
      const maxAge = input.maxAge !== undefined ? input.maxAge : existing.max_age;
      if (minAge !== null && maxAge !== null && minAge > maxAge) {
        throw new AppError('validation_failed', 'minAge must not exceed maxAge.', { issues: [{ path: 'maxAge', message: 'below minAge' }] });
      }
      const { categories, locationIds, ...fields } = input;
      await repo.updateService(trx, id, fields);
      await this.applyLinks(trx, id, existing.organisation_id, categories, locationIds);
      await indexServices(trx, [id]);
      const aggregate = await this.loadService(trx, id);
      await repo.insertChange(trx, { entityType: 'service', entityId: id, version: aggregate.service.version, change: 'update', changedBy: actor.userId, changes: input as never, snapshot: snapshotOf(aggregate) });
      await recordAudit(trx, ctx, { action: 'directory.service_update', resourceType: 'service', resourceId: id, detail: { fields: Object.keys(input), version: aggregate.service.version } });
      return aggregate;
    });
  }

  // ---- locations --------------------------------------------------------------------------------------------------

  async listLocations(filter: { organisationId?: string; limit: number; offset: number }) {
    return repo.listLocations(this.db, filter);
  }

  async createLocation(ctx: RequestContext, input: LocationInput & { organisationId: string; name: string }) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      await this.assertManages(trx, actor, input.organisationId);
      await this.assertDivision(trx, input.divisionCode);
      const id = await repo.insertLocation(trx, { ...locationWrite(input), organisationId: input.organisationId, name: input.name });
      const row = (await repo.findLocation(trx, id))!;
      await repo.insertChange(trx, { entityType: 'location', entityId: id, version: 1, change: 'create', changedBy: actor.userId, changes: input as never, snapshot: row as never });
      await recordAudit(trx, ctx, { action: 'directory.location_create', resourceType: 'location', resourceId: id, detail: { organisationId: input.organisationId } });
      return row;
    });
  }

  async updateLocation(ctx: RequestContext, id: string, input: LocationInput) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      const existing = await repo.findLocation(trx, id);
      if (!existing) throw new AppError('not_found', 'No such location.');
      await this.assertManages(trx, actor, existing.organisation_id);
      await this.assertDivision(trx, input.divisionCode);
      await repo.updateLocation(trx, id, locationWrite(input));
      await indexServicesAtLocation(trx, id);
      const row = (await repo.findLocation(trx, id))!;
      await repo.insertChange(trx, { entityType: 'location', entityId: id, version: row.version, change: 'update', changedBy: actor.userId, changes: input as never, snapshot: row as never });
      await recordAudit(trx, ctx, { action: 'directory.location_update', resourceType: 'location', resourceId: id, detail: { fields: Object.keys(input), version: row.version } });
      return row;
    });
  }

  // ---- organisations ----------------------------------------------------------------------------------------------

  async classification(organisationId: string) {
    const org = await repo.findOrganisationBrief(this.db, organisationId);
    if (!org) throw new AppError('not_found', 'No such organisation.');
    const terms = await repo.termsOf(this.db, 'organization', [organisationId]);
    const all = await repo.listTerms(this.db);
    const full = (id: string) => all.find((t) => t.id === id)!;
    return {
      organisationId,
      baseCategories: terms.filter((t) => t.taxonomy_id === 'base_category').map((t) => full(t.id)),
      providerKind: terms.filter((t) => t.taxonomy_id === 'provider_kind').map((t) => full(t.id))[0] ?? null,
    };
  }

  async classify(ctx: RequestContext, organisationId: string, input: { baseCategories?: string[]; providerKind?: string | null }) {
    const actor = requireAdult(ctx);
    await this.db.transaction().execute(async (trx) => {
      await this.assertManages(trx, actor, organisationId);
      if (input.baseCategories !== undefined) {
        const ids = await Promise.all(input.baseCategories.map((code, i) => this.termId(trx, 'base_category', code, `baseCategories.${i}`)));
        await repo.setTerms(trx, 'organization', organisationId, 'base_category', ids);
      }
      if (input.providerKind !== undefined) {
        const ids = input.providerKind === null ? [] : [await this.termId(trx, 'provider_kind', input.providerKind, 'providerKind')];
        await repo.setTerms(trx, 'organization', organisationId, 'provider_kind', ids);
      }
      await trx.updateTable('organisations').set((eb) => ({ version: eb('version', '+', 1), updated_at: new Date() })).where('id', '=', organisationId).execute();
      await indexServicesOfOrganisation(trx, organisationId);
      await recordAudit(trx, ctx, { action: 'organisation.update', resourceType: 'organisation', resourceId: organisationId, detail: { classification: input } });
    });
    return this.classification(organisationId);
  }

  // ---- history ----------------------------------------------------------------------------------------------------

  async history(ctx: RequestContext, entityType: LinkType, id: string) {
    const actor = requireAdult(ctx);
    const organisationId =
      entityType === 'service' ? (await repo.findService(this.db, id))?.organisation_id : entityType === 'location' ? (await repo.findLocation(this.db, id))?.organisation_id : id;
    if (!organisationId) throw new AppError('not_found', `No such ${entityType}.`);
    await this.assertManages(this.db, actor, organisationId);
    return repo.listChanges(this.db, entityType, id);
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------

  private requireDistrictStaff(ctx: RequestContext): Actor {
    const actor = requireAdult(ctx);
    if (!isDistrictStaff(actor)) throw new AppError('forbidden', 'Only district staff edit the taxonomies.');
    return actor;
  }

  private async assertManages(db: Kysely<DB>, actor: Actor, organisationId: string) {
    const org = await repo.findOrganisationBrief(db, organisationId);
    if (!org) throw new AppError('validation_failed', 'Unknown organisation.', { issues: [{ path: 'organisationId', message: 'no organisation with this id' }] });
    if (!canManageOrganisation(actor, org)) throw new AppError('out_of_scope', 'This organisation is outside your scope.');
  }

  private async assertDivision(db: Kysely<DB>, code: string | null | undefined) {
    if (!code) return;
    const division = await db.selectFrom('divisions').select('code').where('code', '=', code).executeTakeFirst();
    if (!division) throw new AppError('validation_failed', 'Unknown division code.', { issues: [{ path: 'divisionCode', message: 'no such division' }] });
  }

  private async termId(db: Kysely<DB>, taxonomyId: string, code: string, path: string): Promise<string> {
    const term = await repo.findTermByCode(db, taxonomyId, code);
    if (!term) throw new AppError('validation_failed', `Unknown ${taxonomyId} code ${code}.`, { issues: [{ path, message: `not a ${taxonomyId} term` }] });
    return term.id;
  }

  private async applyLinks(db: Kysely<DB>, serviceId: string, organisationId: string, categories?: string[], locationIds?: string[]) {
    if (categories !== undefined) {
      const ids = await Promise.all(categories.map((code, i) => this.termId(db, 'base_category', code, `categories.${i}`)));
      await repo.setTerms(db, 'service', serviceId, 'base_category', ids);
    }
    if (locationIds !== undefined) {
      const { items } = await repo.listLocations(db, { ids: locationIds, limit: locationIds.length || 1, offset: 0 });
      const foreign = locationIds.filter((id) => !items.some((l) => l.id === id && l.organisation_id === organisationId));
      if (foreign.length > 0) throw new AppError('validation_failed', 'Locations must belong to the same organisation.', { issues: [{ path: 'locationIds', message: `not locations of this organisation: ${foreign.join(', ')}` }] });
      await repo.setServiceLocations(db, serviceId, locationIds);
    }
  }

  private async loadService(db: Kysely<DB>, id: string): Promise<ServiceAggregate> {
    return (await this.aggregates(db, [(await repo.findService(db, id))!]))[0]!;
  }

  /** Categories and locations for a page of service rows (two queries for the page, not two per row). */
  async aggregatesOf(rows: repo.ServiceRow[]): Promise<ServiceAggregate[]> {
    return this.aggregates(this.db, rows);
  }

  private async aggregates(db: Kysely<DB>, rows: repo.ServiceRow[]): Promise<ServiceAggregate[]> {
    const ids = rows.map((r) => r.id);
    const orgIds = [...new Set(rows.map((r) => r.organisation_id))];
    const [serviceTerms, orgTerms, locations] = await Promise.all([repo.termsOf(db, 'service', ids), repo.termsOf(db, 'organization', orgIds), repo.locationsOfServices(db, ids)]);
    return rows.map((service) => {
      const own = serviceTerms.filter((t) => t.link_id === service.id && t.taxonomy_id === 'base_category');
      // A service without categories of its own inherits its organisation's.
      const categories = own.length > 0 ? own : orgTerms.filter((t) => t.link_id === service.organisation_id && t.taxonomy_id === 'base_category');
      return { service, categories, locations: locations.filter((l) => l.service_id === service.id) };
    });
  }
}

function locationWrite(input: LocationInput): repo.LocationWrite {
  let point: repo.LocationWrite['point'];
  if (input.location === null) point = null;
  else if (input.location) {
    const [lon, lat] = toWgs84(input.location.lon, input.location.lat, input.location.crs);
    point = { lon, lat, sourceCrs: input.location.crs, illustrative: false };
  }
  return {
    name: input.name,
    description: input.description,
    address: input.address,
    divisionCode: input.divisionCode,
    openingHours: input.openingHours,
    accessibility: input.accessibility,
    ...(point !== undefined ? { point } : {}),
  };
}

function snapshotOf(aggregate: ServiceAggregate): Record<string, unknown> {
  return { ...aggregate.service, categories: aggregate.categories.map((c) => c.code), locationIds: aggregate.locations.map((l) => l.id) };
}

/** The HSDS 3.0 read side: the same data in Open Referral's shapes, paged, with `modified_after`. */
export class HsdsService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly directory: DirectoryService,
  ) {}

  async services(filter: { modifiedAfter?: Date; page: number; perPage: number; taxonomyTermId?: string; organizationId?: string; search?: string }) {
    const { items, total } = await repo.listServices(this.db, {
      modifiedAfter: filter.modifiedAfter,
      organisationId: filter.organizationId,
      q: filter.search,
      categoryTermIds: filter.taxonomyTermId ? [filter.taxonomyTermId] : undefined,
      limit: filter.perPage,
      offset: (filter.page - 1) * filter.perPage,
    });
    return { items: await this.directory.aggregatesOf(items), total };
  }

  async service(id: string) {
    return this.directory.getService(id);
  }

  async organizations(filter: { modifiedAfter?: Date; page: number; perPage: number; ids?: string[] }) {
    const { items, total } = await repo.listOrganisationsForHsds(this.db, { ...filter, limit: filter.perPage, offset: (filter.page - 1) * filter.perPage });
    return { items, total, terms: await repo.termsOf(this.db, 'organization', items.map((o) => o.id)) };
  }

  async organization(id: string) {
    const { items, terms } = await this.organizations({ ids: [id], page: 1, perPage: 1 });
    if (items.length === 0) throw new AppError('not_found', 'No such organization.');
    return { row: items[0]!, terms };
  }

  async locations(filter: { modifiedAfter?: Date; page: number; perPage: number; ids?: string[] }) {
    return repo.listLocations(this.db, { ...filter, limit: filter.perPage, offset: (filter.page - 1) * filter.perPage });
  }

  async location(id: string) {
    const row = await repo.findLocation(this.db, id);
    if (!row) throw new AppError('not_found', 'No such location.');
    return row;
  }

  async taxonomies() {
    return repo.listTaxonomies(this.db);
  }

  async terms(filter: { taxonomyId?: string; modifiedAfter?: Date; page: number; perPage: number }) {
    const all = await repo.listTerms(this.db, { taxonomyId: filter.taxonomyId, modifiedAfter: filter.modifiedAfter });
    return { items: all.slice((filter.page - 1) * filter.perPage, filter.page * filter.perPage), total: all.length };
  }

  /** Every record, in pages, for the NDJSON bulk export and `coedu export hsds`. */
  async *exportAll(pageSize = 500): AsyncGenerator<{ type: 'organization' | 'location' | 'service' | 'taxonomy' | 'taxonomy_term'; record: Record<string, unknown> }> {
    const { hsdsOrganisation, hsdsLocation, hsdsService, hsdsTaxonomy, hsdsTerm } = await import('./directory.presenter.ts');
    for (const taxonomy of await repo.listTaxonomies(this.db)) yield { type: 'taxonomy', record: hsdsTaxonomy(taxonomy) };
    for (const term of await repo.listTerms(this.db)) yield { type: 'taxonomy_term', record: hsdsTerm(term) };
    for (let page = 1; ; page++) {
      const { items, terms } = await this.organizations({ page, perPage: pageSize });
      for (const row of items) yield { type: 'organization', record: hsdsOrganisation(row, terms) };
      if (items.length < pageSize) break;
    }
    for (let page = 1; ; page++) {
      const { items } = await this.locations({ page, perPage: pageSize });
      for (const row of items) yield { type: 'location', record: hsdsLocation(row) };
      if (items.length < pageSize) break;
    }
    for (let page = 1; ; page++) {
      const { items } = await this.services({ page, perPage: pageSize });
      for (const aggregate of items) yield { type: 'service', record: hsdsService(aggregate) };
      if (items.length < pageSize) break;
    }
  }
}
