import type { Kysely } from 'kysely';
import type { Crs, DB } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { hashSecret, randomToken, sha256 } from '../../lib/crypto.ts';
import { toWgs84 } from '../../lib/geo.ts';
import { isDistrictAdmin, isGuardianOf, organisationsWithRole, requireAdult, type Actor, type RequestContext } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import * as repo from './families.repository.ts';

const INVITATION_TTL_MS = 7 * 86_400_000;

export interface ChildInput {
  displayName?: string;
  birthYear?: number | null;
  schoolId?: string | null;
  grade?: string | null;
  pin?: string | null;
}

export interface FamilyAggregate {
  family: { id: string; name: string };
  guardians: Awaited<ReturnType<typeof repo.listGuardians>>;
  children: repo.ChildListRow[];
}

export class FamiliesService {
  constructor(private readonly db: Kysely<DB>) {}

  /** The signed-in guardian's own families. Reading one's own children is audited like any read of children's data. */
  async listMine(ctx: RequestContext): Promise<FamilyAggregate[]> {
    const actor = requireAdult(ctx);
    const families = await this.loadAggregates(this.db, actor.familyIds);
    await this.auditChildReads(ctx, families, 'own_families');
    return families;
  }

  async create(ctx: RequestContext, input: { name: string; relation?: string }) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      const { id } = await repo.insertFamily(trx, { name: input.name, createdBy: actor.userId });
      await repo.addGuardian(trx, id, actor.userId, input.relation ?? null);
      await recordAudit(trx, ctx, { action: 'family.create', resourceType: 'family', resourceId: id });
      return (await this.loadAggregates(trx, [id]))[0]!;
    });
  }

  /** The family's home point (its guardians only: staff who may read the family never see where it lives). */
  async getHome(ctx: RequestContext, familyId: string) {
    const actor = requireAdult(ctx);
    if (!isGuardianOf(actor, familyId)) throw new AppError('out_of_scope', 'Only its guardians see where a family lives.');
    return (await repo.findHome(this.db, familyId)) ?? null;
  }

  /** Sets (or moves) the family's home point, given in any supported system and stored in WGS-84 (guardians; audited). */
  async setHome(ctx: RequestContext, familyId: string, input: { lon: number; lat: number; crs?: Crs; label?: string | null }) {
    const actor = requireAdult(ctx);
    if (!isGuardianOf(actor, familyId)) throw new AppError('out_of_scope', 'Only its guardians set where a family lives.');
    const crs = input.crs ?? 'WGS-84';
    const [lon, lat] = toWgs84(input.lon, input.lat, crs);
    return this.db.transaction().execute(async (trx) => {
      const row = await repo.upsertHome(trx, { familyId, lon, lat, sourceCrs: crs, label: input.label ?? null, updatedBy: actor.userId });
      // The audit row says that it changed, not where to (the log is read by more people than the family).
      await recordAudit(trx, ctx, { action: 'family.home_set', resourceType: 'family', resourceId: familyId, detail: { crs } });
      return row;
    });
  }

  /** Forgets the family's home point (guardians; audited). */
  async clearHome(ctx: RequestContext, familyId: string) {
    const actor = requireAdult(ctx);
    if (!isGuardianOf(actor, familyId)) throw new AppError('out_of_scope', 'Only its guardians change where a family lives.');
    await this.db.transaction().execute(async (trx) => {
      if (!(await repo.deleteHome(trx, familyId))) throw new AppError('not_found', 'The family has no home point.');
      await recordAudit(trx, ctx, { action: 'family.home_clear', resourceType: 'family', resourceId: familyId });
    });
  }

  /**
   * A family as seen by its guardians, by staff of a school one of its children attends, or by a district admin
   * (support). Every such read is audited because it shows children.
   */
  async get(ctx: RequestContext, familyId: string): Promise<FamilyAggregate> {
    const actor = requireAdult(ctx);
    const family = await repo.findFamily(this.db, familyId);
    if (!family) throw new AppError('not_found', 'No such family.');
    const basis = await this.readBasis(actor, familyId);
    if (!basis) throw new AppError('out_of_scope', 'This family is not yours and none of its children attend your school.');
    const [aggregate] = await this.loadAggregates(this.db, [familyId]);
    await this.auditChildReads(ctx, [aggregate!], basis);
    return aggregate!;
  }

  async addChild(ctx: RequestContext, familyId: string, input: ChildInput & { displayName: string }) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    const pinHash = input.pin ? await hashSecret(input.pin) : null;
    return this.db.transaction().execute(async (trx) => {
      await this.assertSchool(trx, input.schoolId);
      const { id } = await repo.insertChild(trx, {
        familyId,
        displayName: input.displayName,
        birthYear: input.birthYear ?? null,
        schoolId: input.schoolId ?? null,
        grade: input.grade ?? null,
        pinHash,
      });
      await recordAudit(trx, ctx, { action: 'child.create', resourceType: 'child', resourceId: id, detail: { familyId, fields: Object.keys(input).filter((k) => k !== 'pin') } });
      const children = await repo.listChildren(trx, [familyId]);
      return children.find((child) => child.id === id)!;
    });
  }

  async updateChild(ctx: RequestContext, familyId: string, childId: string, input: ChildInput) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    const pinHash = input.pin === undefined ? undefined : input.pin === null ? null : await hashSecret(input.pin);
    return this.db.transaction().execute(async (trx) => {
      const child = await repo.findChild(trx, childId);
      if (!child || child.family_id !== familyId) throw new AppError('not_found', 'No such child in this family.');
      await this.assertSchool(trx, input.schoolId);
      await repo.updateChild(trx, childId, { ...input, pinHash });
      await recordAudit(trx, ctx, { action: 'child.update', resourceType: 'child', resourceId: childId, detail: { familyId, fields: Object.keys(input) } });
      const children = await repo.listChildren(trx, [familyId]);
      return children.find((c) => c.id === childId)!;
    });
  }

  /** A guardian invites another (e.g. the other parent, a grandparent) with a one-time code valid for 7 days. */
  async invite(ctx: RequestContext, familyId: string, input: { relation?: string }) {
    const actor = requireAdult(ctx);
    await this.requireGuardian(actor, familyId);
    // 10 characters from an unambiguous alphabet: easy to read out on the phone, 2^50 guesses.
    const code = randomToken(16).replace(/[^A-HJ-NP-Za-km-z2-9]/g, '').slice(0, 10).toUpperCase().padEnd(10, 'X');
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    await this.db.transaction().execute(async (trx) => {
      await repo.insertInvitation(trx, { familyId, codeHash: sha256(code), relation: input.relation ?? null, createdBy: actor.userId, expiresAt });
      await recordAudit(trx, ctx, { action: 'family.invite', resourceType: 'family', resourceId: familyId });
    });
    return { code, expiresAt };
  }

  async acceptInvitation(ctx: RequestContext, input: { code: string; relation?: string }) {
    const actor = requireAdult(ctx);
    return this.db.transaction().execute(async (trx) => {
      const invitation = await repo.claimInvitation(trx, sha256(input.code.trim().toUpperCase()), actor.userId);
      if (!invitation) throw new AppError('invitation_invalid');
      if (await repo.isGuardian(trx, invitation.family_id, actor.userId)) throw new AppError('conflict', 'You are already a guardian of this family.');
      await repo.addGuardian(trx, invitation.family_id, actor.userId, input.relation ?? invitation.relation);
      await recordAudit(trx, ctx, { action: 'family.join', resourceType: 'family', resourceId: invitation.family_id });
      return (await this.loadAggregates(trx, [invitation.family_id]))[0]!;
    });
  }

  private async readBasis(actor: Actor, familyId: string): Promise<string | null> {
    if (isGuardianOf(actor, familyId)) return 'guardian';
    const schools = organisationsWithRole(actor, 'school_admin', 'teacher');
    if (await repo.familyHasChildAtSchools(this.db, familyId, schools)) return 'school_staff';
    if (isDistrictAdmin(actor)) return 'district_admin';
    return null;
  }

  private async requireGuardian(actor: Actor, familyId: string) {
    if (isGuardianOf(actor, familyId)) return;
    const family = await repo.findFamily(this.db, familyId);
    if (!family) throw new AppError('not_found', 'No such family.');
    throw new AppError('out_of_scope', 'Only the guardians of this family can change it.');
  }

  private async assertSchool(db: Kysely<DB>, schoolId: string | null | undefined) {
    if (!schoolId) return;
    const school = await repo.findSchool(db, schoolId);
    if (!school || school.kind !== 'school') {
      throw new AppError('validation_failed', 'Unknown school.', { issues: [{ path: 'schoolId', message: 'No school with this id' }] });
    }
  }

  private async loadAggregates(db: Kysely<DB>, familyIds: string[]): Promise<FamilyAggregate[]> {
    const [families, guardians, children] = await Promise.all([
      repo.listFamiliesByIds(db, familyIds),
      repo.listGuardians(db, familyIds),
      repo.listChildren(db, familyIds),
    ]);
    return families.map((family) => ({
      family: { id: family.id, name: family.name },
      guardians: guardians.filter((g) => g.family_id === family.id),
      children: children.filter((c) => c.family_id === family.id),
    }));
  }

  private async auditChildReads(ctx: RequestContext, families: FamilyAggregate[], basis: string) {
    const childIds = families.flatMap((f) => f.children.map((c) => c.id));
    if (childIds.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const family of families) {
        if (family.children.length === 0) continue;
        await recordAudit(trx, ctx, {
          action: 'child.read',
          resourceType: 'family',
          resourceId: family.family.id,
          detail: { basis, childIds: family.children.map((c) => c.id) },
        });
      }
    });
  }
}
