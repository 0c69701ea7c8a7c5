import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import { requireSignedIn, type RequestContext } from '../access/actor.ts';
import type { FamiliesService } from '../families/families.service.ts';
import * as registryRepo from '../registry/registry.repository.ts';
import * as repo from './home.repository.ts';

/** One home section per role held, so a teacher who is also a parent sees both. */
export class HomeService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly families: FamiliesService,
  ) {}

  async sections(ctx: RequestContext) {
    const actor = requireSignedIn(ctx);
    if (actor.child) return [{ kind: 'child' as const, child: { id: actor.child.id, displayName: actor.child.displayName } }];
    const sections = [];
    const seenDistrictRoles = new Set<string>();
    for (const grant of actor.grants) {
      if (grant.scopeType === 'district' && !seenDistrictRoles.has(grant.role)) {
        seenDistrictRoles.add(grant.role);
        const district = await repo.findDistrict(this.db);
        if (!district) continue;
        sections.push({ kind: 'district' as const, role: grant.role, district, counts: await repo.districtCounts(this.db) });
      } else if (grant.scopeType === 'organisation') {
        const organisation = await registryRepo.findOrganisation(this.db, grant.scopeId);
        if (!organisation) continue;
        sections.push({ kind: 'organisation' as const, role: grant.role, organisation, counts: { staff: await repo.countStaffOfOrganisation(this.db, organisation.id) } });
      } else if (grant.scopeType === 'community') {
        const community = await repo.findCommunity(this.db, grant.scopeId);
        if (!community) continue;
        const { items } = await registryRepo.listOrganisations(this.db, { divisionCode: community.code, limit: 100, offset: 0 });
        sections.push({ kind: 'community' as const, role: grant.role, community, organisations: items });
      }
    }
    // Everyone who is not staff is treated as a parent; staff who are also guardians get the family section too.
    if (actor.familyIds.length > 0 || actor.grants.length === 0) {
      sections.push({ kind: 'family' as const, role: 'guardian' as const, families: await this.families.listMine(ctx) });
    }
    return sections;
  }
}
