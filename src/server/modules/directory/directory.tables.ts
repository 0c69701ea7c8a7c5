import type { ColumnType, Generated } from 'kysely';
import type { Crs } from '../../db/types.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export type ServiceType = 'visit' | 'course' | 'activity' | 'consultation' | 'care' | 'study_tour' | 'volunteering';
export type ServiceStatus = 'active' | 'inactive' | 'defunct';
export type Audience = 'children' | 'guardians' | 'families';
export type LinkType = 'organization' | 'service' | 'location';

export interface OpeningHours {
  weekday: number;
  opens: string;
  closes: string;
}

export interface ServiceSchedule {
  freq: 'WEEKLY' | 'MONTHLY' | 'ONCE';
  byday?: string;
  opensAt?: string;
  closesAt?: string;
  validFrom?: string;
  validTo?: string;
  description?: string;
}

export interface TaxonomiesTable {
  id: string;
  name: string;
  name_en: string;
  description: string | null;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface TaxonomyTermsTable {
  id: Generated<string>;
  taxonomy_id: string;
  code: string;
  name: string;
  name_en: string;
  description: string | null;
  parent_id: string | null;
  sort_order: Generated<number>;
  updated_at: Timestamp;
}

export interface LocationsTable {
  id: Generated<string>;
  organisation_id: string;
  external_id: string | null;
  name: string;
  description: string | null;
  address: string | null;
  division_code: string | null;
  lon: number | null;
  lat: number | null;
  source_crs: Crs | null;
  location_illustrative: Generated<boolean>;
  opening_hours: Json<OpeningHours[]>;
  accessibility: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ServicesTable {
  id: Generated<string>;
  organisation_id: string;
  external_id: string | null;
  name: string;
  alternate_name: string | null;
  description: string | null;
  service_type: ServiceType;
  status: Generated<ServiceStatus>;
  audience: Generated<Audience>;
  min_age: number | null;
  max_age: number | null;
  is_free: Generated<boolean>;
  fees_description: string | null;
  capacity: number | null;
  booking_required: Generated<boolean>;
  url: string | null;
  email: string | null;
  contact_name: string | null;
  contact_phone: string | null;
  schedules: Json<ServiceSchedule[]>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ServiceAtLocationTable {
  service_id: string;
  location_id: string;
}

export interface AttributesTable {
  link_type: LinkType;
  link_id: string;
  term_id: string;
}

export interface DirectoryChangesTable {
  id: Generated<number>;
  entity_type: LinkType | 'taxonomy_term';
  entity_id: string;
  version: number;
  change: 'create' | 'update' | 'import';
  changed_by: string | null;
  changed_at: Timestamp;
  changes: Json<Record<string, unknown>>;
  snapshot: Json<Record<string, unknown>>;
}

export interface DirectoryTables {
  taxonomies: TaxonomiesTable;
  taxonomy_terms: TaxonomyTermsTable;
  locations: LocationsTable;
  services: ServicesTable;
  service_at_location: ServiceAtLocationTable;
  attributes: AttributesTable;
  directory_changes: DirectoryChangesTable;
}
