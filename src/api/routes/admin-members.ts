import { limits } from '../../limits.ts';
import { Type } from 'typebox';
import { registerMember } from '../../members/members.ts';
import { isValidIdentityNumber, isValidPhone } from '../../payouts/recipients.ts';
import { ApiError } from '../errors.ts';
import { responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const MemberBody = Type.Object(
  {
    memberId: Type.String({ pattern: '^[0-9]{1,32}$' }),
    phone: Type.Optional(Type.String({ maxLength: 16 })),
    identityNumber: Type.Optional(Type.String({ maxLength: 11 })),
    name: Type.String({ minLength: 1, maxLength: limits.partyNameCharsMax }),
  },
  { additionalProperties: false },
);

const MemberResult = Type.Object({
  memberId: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  identityNumber: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
});

export function adminMemberRoutes(app: ApiServer, deps: Deps): void {
  app.post(
    '/admin/v1/members',
    { schema: { tags: ['admin'], summary: 'Register a wallet member that MEMBER_ID, PHONE and IDENTITY_NUMBER payouts reach', security: [{ adminToken: [] }], body: MemberBody, response: responses(MemberResult, 201) } },
    async (request, reply) => {
      const { memberId, phone, identityNumber, name } = request.body;
      if (phone !== undefined && !isValidPhone(phone)) throw new ApiError('INVALID_REQUEST', 'phone must be E.164, e.g. +905551234567');
      if (identityNumber !== undefined && !isValidIdentityNumber(identityNumber)) throw new ApiError('INVALID_REQUEST', 'identityNumber is not a valid Turkish identity number');
      const member = { memberId, phone: phone ?? null, identityNumber: identityNumber ?? null, name };
      const created = await deps.db.transaction((tx) => registerMember(tx, member));
      if (!created) throw new ApiError('MEMBER_EXISTS');
      reply.status(201);
      return member;
    },
  );
}
