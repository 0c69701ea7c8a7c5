import { z } from '@hono/zod-openapi';

export const RoleSchema = z.enum(['district_admin', 'centre_staff', 'school_admin', 'community_admin', 'venue_manager', 'teacher', 'guardian']).openapi('Role');
export const ScopeTypeSchema = z.enum(['district', 'subdistrict', 'community', 'organisation', 'family']).openapi('ScopeType');

export const PhoneSchema = z.string().regex(/^1[3-9]\d{9}$/, 'A mainland China mobile number: 11 digits starting with 1').openapi({ example: '13800000001' });
export const PasswordSchema = z
  .string()
  .min(8, 'At least 8 characters')
  .max(200)
  .refine((value) => /[A-Za-z]/.test(value) && /\d/.test(value), 'Use letters and digits')
  .openapi({ example: 'Coedu@2026' });

export const SignInSchema = z
  .strictObject({
    login: z.string().trim().min(1).max(100).openapi({ description: 'Username or mobile number', example: 'parent.demo' }),
    password: z.string().min(1).max(200).openapi({ example: 'Coedu@2026' }),
  })
  .openapi('SignIn');

export const RegisterSchema = z
  .strictObject({ phone: PhoneSchema, password: PasswordSchema, displayName: z.string().trim().min(1).max(100) })
  .openapi('Register');

export const ChildModeSchema = z
  .strictObject({ childId: z.uuid(), pin: z.string().regex(/^\d{4,6}$/, '4 to 6 digits') })
  .openapi('ChildModeEnter');

export const ChildModeExitSchema = z.strictObject({ password: z.string().min(1).max(200) }).openapi('ChildModeExit');

export const UpdateMeSchema = z
  .strictObject({ locale: z.enum(['zh-CN', 'en']).optional(), displayName: z.string().trim().min(1).max(100).optional() })
  .openapi('UpdateMe');

export const RoleViewSchema = z
  .object({ id: z.string(), role: RoleSchema, scopeType: ScopeTypeSchema, scopeId: z.string(), scopeName: z.string() })
  .openapi('RoleView');

export const SessionViewSchema = z
  .object({
    user: z.object({
      id: z.string(),
      displayName: z.string(),
      username: z.string().nullable(),
      phoneMasked: z.string().nullable(),
      locale: z.enum(['zh-CN', 'en']),
    }),
    roles: z.array(RoleViewSchema),
    child: z.object({ id: z.string(), displayName: z.string(), familyId: z.string() }).nullable(),
    csrfToken: z.string().openapi({ description: 'Send as the x-csrf-token header on every write made with the session cookie.' }),
  })
  .openapi('SessionView');

export const CreateTokenSchema = z
  .strictObject({ name: z.string().trim().min(1).max(100), expiresInDays: z.number().int().min(1).max(730).optional() })
  .openapi('CreateApiToken');

export const ApiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi('ApiToken');

export const CreatedApiTokenSchema = ApiTokenSchema.extend({
  token: z.string().openapi({ description: 'The secret; shown once. Send as `Authorization: Bearer <token>`.' }),
}).openapi('CreatedApiToken');
