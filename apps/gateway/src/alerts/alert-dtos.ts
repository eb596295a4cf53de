// HTTP bodies of the alert routes where the contract DTOs carry the id from the path.
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { LabelMatcher } from '@vigil/contracts';

/** `PUT /api/v1/alerts/:alertId/acknowledge|resolve` with `{"note": "..."}` (optional). */
export class TransitionBody {
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  note?: string;
}

/** `POST /api/v1/alerts/:alertId/notes` with `{"text": "..."}`. */
export class NoteBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(10_000)
  text!: string;
}

/** `PATCH /api/v1/silences/:silenceId`: any of the silence's fields. */
export class UpdateSilenceBody {
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => LabelMatcher)
  matchers?: LabelMatcher[];

  @IsOptional()
  @IsISO8601()
  startsAt?: string;

  @IsOptional()
  @IsISO8601()
  endsAt?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}
