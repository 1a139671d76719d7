import { Type } from 'typebox';
import { limits } from '../../limits.ts';
import { formatDecimal, parseMinor, parseRateE8 } from '../../money.ts';
import { createMerchant, setStatusVocabulary, statusVocabularies, type StatusVocabulary as StatusVocabularyName } from '../../merchants/merchants.ts';
import { ApiError } from '../errors.ts';
import { DecimalInput, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const StatusVocabulary = Type.Unsafe<StatusVocabularyName>(
  Type.Union(statusVocabularies.map((v) => Type.Literal(v)), {
    description:
      "the batch statuses its wire shows: 'documented' (default), the public docs' values; 'java', only those iyzico's Java client knows (PUBLISHED_TO_QUEUE reported as IN_PROGRESS)",
  }),
);

const CreateMerchantBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: limits.partyNameCharsMax }),
    commission: Type.Optional(
      Type.Object(
        { fixed: Type.Optional(DecimalInput), rate: Type.Optional(DecimalInput) },
        { additionalProperties: false, description: 'per paid item: fixed + rate × amount, rounded half-up' },
      ),
    ),
    statusVocabulary: Type.Optional(StatusVocabulary),
  },
  { additionalProperties: false },
);

const CreatedMerchant = Type.Object({
  merchantId: Type.Integer(),
  apiKey: Type.String(),
  secretKey: Type.String({ description: 'shown once; store it now' }),
  statusVocabulary: StatusVocabulary,
});

const UpdateMerchantBody = Type.Object({ statusVocabulary: StatusVocabulary }, { additionalProperties: false });

const MerchantSettings = Type.Object({ merchantId: Type.Integer(), name: Type.String(), statusVocabulary: StatusVocabulary });

export function adminMerchantRoutes(app: ApiServer, deps: Deps): void {
  app.post(
    '/admin/v1/merchants',
    { schema: { tags: ['admin'], summary: 'Create a merchant: its apiKey and secretKey are shown once', security: [{ adminToken: [] }], body: CreateMerchantBody, response: responses(CreatedMerchant, 201) } },
    async (request, reply) => {
      const fixed = request.body.commission?.fixed;
      const rate = request.body.commission?.rate;
      const fixedMinor = fixed === undefined ? 0n : parseMinor(fixed);
      const rateE8 = rate === undefined ? 0n : parseRateE8(rate);
      if (fixedMinor === undefined) throw new ApiError('INVALID_REQUEST', 'commission.fixed must be a decimal ≥ 0 with at most 2 fraction digits');
      if (fixedMinor > limits.commissionFixedMinorMax) throw new ApiError('COMMISSION_TOO_LARGE', `at most ${formatDecimal(limits.commissionFixedMinorMax)}`);
      if (rateE8 === undefined) throw new ApiError('INVALID_REQUEST', 'commission.rate must be a decimal between 0 and 1 with at most 8 fraction digits');
      const statusVocabulary = request.body.statusVocabulary ?? 'documented';
      const created = await deps.db.transaction((tx) => createMerchant(tx, deps.box, request.body.name, { fixedMinor, rateE8 }, statusVocabulary));
      reply.status(201);
      return { merchantId: Number(created.merchantId), apiKey: created.apiKey, secretKey: created.secretKey, statusVocabulary };
    },
  );

  app.patch(
    '/admin/v1/merchants/:merchantId',
    {
      schema: {
        tags: ['admin'],
        summary: "Change a merchant's settings: its status vocabulary",
        description: 'Takes effect on the next request; stored statuses and the audit trail do not change. Recorded as a merchant.updated audit event.',
        security: [{ adminToken: [] }],
        params: Type.Object({ merchantId: Type.String({ pattern: '^[0-9]{1,18}$' }) }),
        body: UpdateMerchantBody,
        response: responses(MerchantSettings),
      },
    },
    async (request) => {
      const id = BigInt(request.params.merchantId);
      const merchant = await deps.db.transaction((tx) => setStatusVocabulary(tx, id, request.body.statusVocabulary));
      if (!merchant) throw new ApiError('MERCHANT_NOT_FOUND');
      return { merchantId: Number(merchant.id), name: merchant.name, statusVocabulary: merchant.statusVocabulary };
    },
  );
}
