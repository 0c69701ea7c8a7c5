import type { Kysely } from 'kysely';
import type { Crs, DB, DivisionLevel, OrgKind } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { toWgs84 } from '../../lib/geo.ts';
import {
  canManageOrganisation,
  communitiesAdministered,
  COMMUNITY_ADMIN_KINDS as COMMUNITY_ADMIN_KIND_LIST,
  isDistrictStaff,
  requireAdult,
  type Actor,
  type RequestContext,
} from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import * as repo from './registry.repository.ts';

export const ILLUSTRATIVE_NOTE =
  '街道范围、社区点位与演示机构位置均为示意，非真实坐标 / Subdistrict areas, community points and demo organisation locations are illustrative, not real coordinates.';

interface OrganisationInput {
  name?: string;
  kind?: OrgKind;
  divisionCode?: string | null;
  address?: string | null;
  location?: { lon: number; lat: number; crs: Crs } | null;
}

/** Organisation kinds a community admin may add within their own community. */
const COMMUNITY_ADMIN_KINDS: readonly OrgKind[] = COMMUNITY_ADMIN_KIND_LIST;

export class RegistryService {
  constructor(private readonly db: Kysely<DB>) {}

  async listDivisions(ctx: RequestContext, level?: DivisionLevel) {
    requireAdult(ctx);
    return repo.listDivisions(this.db, level);
  }

  async listOrganisations(ctx: RequestContext, filter: { kind?: OrgKind; divisionCode?: string; q?: string; limit: number; offset: number }) {
    requireAdult(ctx);
    return repo.listOrganisations(this.db, filter);
  }

  async getOrganisation(ctx: RequestContext, id: string) {
    requireAdult(ctx);
    const row = await repo.findOrganisation(this.db, id);
    if (!row) throw new AppError('not_found', 'No such organisation.');
    return row;
  }

  /** District staff add any organisation; a community admin adds parent schools and venues in their community. */
  async createOrganisation(ctx: RequestContext, input: OrganisationInput & { name: string; kind: OrgKind }) {
    const actor = requireAdult(ctx);
    if (!isDistrictStaff(actor)) {
      const communities = communitiesAdministered(actor);
      if (communities.length === 0) throw new AppError('forbidden', 'Only district staff or community admins can add organisations.');
      if (!COMMUNITY_ADMIN_KINDS.includes(input.kind)) throw new AppError('forbidden', 'Community admins can add community parent schools and venues only.');
      if (!input.divisionCode || !communities.includes(input.divisionCode)) throw new AppError('out_of_scope', 'Add organisations inside your own community.');
    }
    return this.db.transaction().execute(async (trx) => {
      const values = await this.validatedValues(trx, input);
      const id = await repo.insertOrganisation(trx, { ...values, name: input.name, kind: input.kind });
      await recordAudit(trx, ctx, { action: 'organisation.create', resourceType: 'organisation', resourceId: id, detail: { changes: input } });
      return (await repo.findOrganisation(trx, id))!;
    });
  }

  async updateOrganisation(ctx: RequestContext, id: string, input: OrganisationInput) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      const existing = await repo.findOrganisation(trx, id);
      if (!existing) throw new AppError('not_found', 'No such organisation.');
      this.assertCanManage(actor, existing);
      if (!isDistrictStaff(actor)) {
        if (input.kind !== undefined && input.kind !== existing.kind) throw new AppError('forbidden', 'Only district staff can change the kind of an organisation.');
        if (input.divisionCode !== undefined && input.divisionCode !== existing.division_code) {
          const communities = communitiesAdministered(actor);
          if (!input.divisionCode || !communities.includes(input.divisionCode)) throw new AppError('out_of_scope', 'Only district staff can move an organisation out of your scope.');
        }
      }
      const values = await this.validatedValues(trx, input);
      await repo.updateOrganisation(trx, id, values);
      await recordAudit(trx, ctx, {
        action: 'organisation.update',
        resourceType: 'organisation',
        resourceId: id,
        detail: { changes: input, versionBefore: existing.version },
      });
      return (await repo.findOrganisation(trx, id))!;
    });
  }

  /** The district map: real outline, illustrative subdistrict areas and community points, organisations. */
  async map(ctx: RequestContext) {
    requireAdult(ctx);
    const [divisions, organisations] = await Promise.all([
      repo.listDivisions(this.db),
      repo.listOrganisations(this.db, { limit: 5000, offset: 0 }),
    ]);
    const district = divisions.find((d) => d.level === 'district');
    if (!district) throw new AppError('not_found', 'The district registry has not been loaded yet.');
    const subdistrictNames = new Map(divisions.filter((d) => d.level === 'subdistrict').map((d) => [d.code, d.name]));
    const feature = (geometry: unknown, properties: Record<string, string | number | boolean | null>) => ({
      type: 'Feature' as const,
      geometry: geometry as { type: string; coordinates: unknown } | null,
      properties,
    });
    return {
      crs: 'WGS-84' as const,
      illustrativeNote: ILLUSTRATIVE_NOTE,
      district: feature(district.geometry, { code: district.code, name: district.name, level: 'district', illustrative: district.geometry_illustrative }),
      subdistricts: {
        type: 'FeatureCollection' as const,
        features: divisions
          .filter((d) => d.level === 'subdistrict' && d.geometry)
          .map((d) => feature(d.geometry, { code: d.code, name: d.name, shortName: d.short_name, level: 'subdistrict', illustrative: d.geometry_illustrative })),
      },
      communities: {
        type: 'FeatureCollection' as const,
        features: divisions
          .filter((d) => (d.level === 'community' || d.level === 'workstation') && d.geometry)
          .map((d) =>
            feature(d.geometry, {
              code: d.code,
              name: d.name,
              shortName: d.short_name,
              level: d.level,
              subdistrictCode: d.parent_code,
              subdistrictName: d.parent_code ? (subdistrictNames.get(d.parent_code) ?? null) : null,
              illustrative: d.geometry_illustrative,
            }),
          ),
      },
      organisations: {
        type: 'FeatureCollection' as const,
        features: organisations.items
          .filter((o) => o.lon !== null && o.lat !== null)
          .map((o) =>
            feature({ type: 'Point', coordinates: [o.lon, o.lat] }, { id: o.id, name: o.name, kind: o.kind, divisionCode: o.division_code, illustrative: o.location_illustrative }),
          ),
      },
    };
  }

  private assertCanManage(actor: Actor, org: { id: string; kind: OrgKind; division_code: string | null }) {
    if (!canManageOrganisation(actor, org)) throw new AppError('out_of_scope', 'This organisation is outside your scope.');
  }

  private async validatedValues(db: Kysely<DB>, input: OrganisationInput): Promise<repo.OrganisationWrite> {
    if (input.divisionCode) {
      const division = await repo.findDivision(db, input.divisionCode);
      if (!division) throw new AppError('validation_failed', 'Unknown division code.', { issues: [{ path: 'divisionCode', message: 'No such subdistrict or community' }] });
    }
    let location: repo.OrganisationWrite['location'];
    if (input.location === null) location = null;
    else if (input.location) {
      const [lon, lat] = toWgs84(input.location.lon, input.location.lat, input.location.crs);
      location = { lon, lat, sourceCrs: input.location.crs, illustrative: false };
    }
    return {
      name: input.name,
      kind: input.kind,
      divisionCode: input.divisionCode,
      address: input.address,
      ...(location !== undefined ? { location } : {}),
    };
  }
}
