import type { z } from '@hono/zod-openapi';
import type { HsdsOrganisationRow, LocationRow, TermRow } from './directory.repository.ts';
import type { ServiceAggregate } from './directory.service.ts';
import type { OpeningHours, ServiceSchedule } from './directory.tables.ts';
import type { LocationFullSchema, ServiceViewSchema, TermViewSchema } from './directory.schema.ts';

const iso = (value: Date | string) => new Date(value).toISOString();

function point(row: { lon: number | null; lat: number | null; source_crs: 'WGS-84' | 'GCJ-02' | 'BD-09' | null; location_illustrative: boolean }) {
  return row.lon !== null && row.lat !== null && row.source_crs
    ? { lon: row.lon, lat: row.lat, crs: 'WGS-84' as const, sourceCrs: row.source_crs, illustrative: row.location_illustrative }
    : null;
}

export function presentTerm(row: TermRow): z.infer<typeof TermViewSchema> {
  return { id: row.id, taxonomyId: row.taxonomy_id, code: row.code, name: row.name, nameEn: row.name_en, description: row.description, sortOrder: row.sort_order };
}

export function presentService({ service: s, categories, locations }: ServiceAggregate): z.infer<typeof ServiceViewSchema> {
  return {
    id: s.id,
    organisation: { id: s.organisation_id, name: s.organisation_name, kind: s.organisation_kind },
    externalId: s.external_id,
    name: s.name,
    alternateName: s.alternate_name,
    description: s.description,
    serviceType: s.service_type,
    status: s.status,
    audience: s.audience,
    minAge: s.min_age,
    maxAge: s.max_age,
    isFree: s.is_free,
    feesDescription: s.fees_description,
    capacity: s.capacity,
    bookingRequired: s.booking_required,
    url: s.url,
    email: s.email,
    contactName: s.contact_name,
    contactPhone: s.contact_phone,
    schedules: s.schedules as ServiceSchedule[],
    categories: categories.map((c) => ({ code: c.code, name: c.name, nameEn: c.name_en })),
    locations: locations.map((l) => ({ id: l.id, name: l.name, address: l.address, location: point(l), openingHours: l.opening_hours as OpeningHours[] })),
    version: s.version,
    updatedAt: iso(s.updated_at),
  };
}

export function presentLocation(row: LocationRow): z.infer<typeof LocationFullSchema> {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    organisationName: row.organisation_name,
    name: row.name,
    description: row.description,
    address: row.address,
    divisionCode: row.division_code,
    location: point(row),
    openingHours: row.opening_hours as OpeningHours[],
    accessibility: row.accessibility,
    version: row.version,
    updatedAt: iso(row.updated_at),
  };
}

// ---- Open Referral HSDS 3.0 ---------------------------------------------------------------------------------------

export const HSDS_VERSION = '3.0';
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/** HSDS paging envelope. */
export function hsdsPage<T>(contents: T[], total: number, page: number, perPage: number) {
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  return { total_items: total, total_pages: totalPages, page_number: page, size: contents.length, first_page: page === 1, last_page: page >= totalPages, empty: contents.length === 0, contents };
}

function hsdsAttribute(linkType: string, linkId: string, term: { id: string; taxonomy_id: string; code: string; name: string; name_en: string }) {
  return {
    id: `${linkId}:${term.id}`,
    link_id: linkId,
    link_type: linkType,
    link_entity: linkType,
    taxonomy_term_id: term.id,
    taxonomy_term: { id: term.id, code: term.code, name: term.name, description: term.name_en, taxonomy: term.taxonomy_id, language: 'zh' },
    value: null,
    label: term.name,
  };
}

export function hsdsService(aggregate: ServiceAggregate) {
  const s = aggregate.service;
  const schedules = (s.schedules as ServiceSchedule[]).map((schedule, i) => ({
    id: `${s.id}:schedule:${i}`,
    service_id: s.id,
    location_id: null,
    valid_from: schedule.validFrom ?? null,
    valid_to: schedule.validTo ?? null,
    timezone: 8,
    freq: schedule.freq === 'ONCE' ? null : schedule.freq,
    byday: schedule.byday ?? null,
    opens_at: schedule.opensAt ?? null,
    closes_at: schedule.closesAt ?? null,
    description: schedule.description ?? null,
    attending_type: 'in_person',
  }));
  return {
    id: s.id,
    organization_id: s.organisation_id,
    program_id: null,
    name: s.name,
    alternate_name: s.alternate_name,
    description: s.description,
    url: s.url,
    email: s.email,
    status: s.status,
    application_process: s.booking_required ? '需预约 / booking required' : null,
    fees_description: s.fees_description ?? (s.is_free ? '免费 / free' : null),
    eligibility_description: s.audience,
    minimum_age: s.min_age,
    maximum_age: s.max_age,
    last_modified: iso(s.updated_at),
    phones: s.contact_phone ? [{ id: `${s.id}:phone`, service_id: s.id, number: s.contact_phone, type: 'voice', languages: [] }] : [],
    contacts: s.contact_name ? [{ id: `${s.id}:contact`, service_id: s.id, name: s.contact_name, email: s.email, phones: [] }] : [],
    schedules,
    service_areas: [],
    service_at_locations: aggregate.locations.map((l) => ({ id: `${s.id}:${l.id}`, service_id: s.id, location_id: l.id, description: null })),
    languages: [{ id: `${s.id}:zh`, service_id: s.id, name: 'Chinese', code: 'zh' }],
    cost_options: [{ id: `${s.id}:cost`, service_id: s.id, option: s.is_free ? 'free' : 'fee', amount: s.is_free ? 0 : null, currency: 'CNY', amount_description: s.fees_description }],
    attributes: [
      ...aggregate.categories.map((term) => hsdsAttribute('service', s.id, term)),
      hsdsAttribute('service', s.id, { id: `service_type:${s.service_type}`, taxonomy_id: 'service_type', code: s.service_type, name: s.service_type, name_en: s.service_type }),
    ],
    capacity: s.capacity,
    metadata: [{ id: `${s.id}:version`, resource_id: s.id, resource_type: 'service', last_action_date: iso(s.updated_at), last_action_type: s.version === 1 ? 'create' : 'update', field_name: 'version', previous_value: String(s.version - 1), replacement_value: String(s.version), updated_by: null }],
  };
}

export function hsdsLocation(row: LocationRow) {
  const hours = row.opening_hours as OpeningHours[];
  return {
    id: row.id,
    location_type: 'physical',
    organization_id: row.organisation_id,
    name: row.name,
    description: row.description,
    latitude: row.lat,
    longitude: row.lon,
    // Extensions (not in HSDS): where the coordinates came from, and whether they are demo placements.
    x_source_crs: row.source_crs,
    x_coordinates_illustrative: row.location_illustrative,
    external_identifier: null,
    addresses: row.address
      ? [{ id: `${row.id}:address`, location_id: row.id, address_1: row.address, city: '重庆市', region: null, state_province: '重庆市', postal_code: null, country: 'CN', address_type: 'physical' }]
      : [],
    accessibility: row.accessibility ? [{ id: `${row.id}:accessibility`, location_id: row.id, description: row.accessibility, details: null, url: null }] : [],
    schedules: hours.map((h, i) => ({ id: `${row.id}:hours:${i}`, location_id: row.id, freq: 'WEEKLY', byday: WEEKDAYS[h.weekday - 1], opens_at: h.opens, closes_at: h.closes, timezone: 8 })),
    languages: [],
    phones: [],
    contacts: [],
    attributes: [],
    last_modified: iso(row.updated_at),
  };
}

export function hsdsOrganisation(row: HsdsOrganisationRow, terms: { link_id: string; id: string; taxonomy_id: string; code: string; name: string; name_en: string }[]) {
  return {
    id: row.id,
    name: row.name,
    alternate_name: null,
    description: row.description,
    email: row.email,
    website: row.website,
    legal_status: null,
    uri: null,
    parent_organization_id: null,
    phones: row.phone ? [{ id: `${row.id}:phone`, organization_id: row.id, number: row.phone, type: 'voice' }] : [],
    organization_identifiers: [
      ...(row.external_id ? [{ id: `${row.id}:external`, organization_id: row.id, identifier_type: 'external_id', identifier: row.external_id }] : []),
      ...(row.division_code ? [{ id: `${row.id}:division`, organization_id: row.id, identifier_scheme: 'CN-NBS-division', identifier_type: 'division_code', identifier: row.division_code }] : []),
    ],
    attributes: [
      ...terms.filter((t) => t.link_id === row.id).map((term) => hsdsAttribute('organization', row.id, term)),
      hsdsAttribute('organization', row.id, { id: `circle_role:${row.kind}`, taxonomy_id: 'circle_role', code: row.kind, name: row.kind, name_en: row.kind }),
    ],
    last_modified: iso(row.updated_at),
  };
}

export function hsdsTaxonomy(row: { id: string; name: string; name_en: string; description: string | null; version: number }) {
  return { id: row.id, name: row.name, description: row.description ?? row.name_en, uri: null, version: String(row.version) };
}

export function hsdsTerm(row: TermRow) {
  return { id: row.id, code: row.code, name: row.name, description: row.description ?? row.name_en, parent_id: row.parent_id, taxonomy: row.taxonomy_id, taxonomy_id: row.taxonomy_id, language: 'zh', last_modified: iso(row.updated_at) };
}
