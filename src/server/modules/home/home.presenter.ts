import type { z } from '@hono/zod-openapi';
import { presentFamily } from '../families/families.presenter.ts';
import { presentOrganisation } from '../registry/registry.presenter.ts';
import type { HomeService } from './home.service.ts';
import type { HomeSectionSchema } from './home.schema.ts';

type Section = Awaited<ReturnType<HomeService['sections']>>[number];

export function presentHomeSection(section: Section): z.infer<typeof HomeSectionSchema> {
  switch (section.kind) {
    case 'organisation':
      return { ...section, organisation: presentOrganisation(section.organisation) };
    case 'community':
      return {
        kind: 'community',
        role: section.role,
        community: { code: section.community.code, name: section.community.name, subdistrictName: section.community.subdistrict_name },
        organisations: section.organisations.map(presentOrganisation),
      };
    case 'family':
      return { kind: 'family', role: 'guardian', families: section.families.map(presentFamily) };
    default:
      return section;
  }
}
