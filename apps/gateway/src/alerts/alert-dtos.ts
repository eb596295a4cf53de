// HTTP bodies of the alert routes where the contract DTOs carry the id from the path.
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

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
export { SilenceChanges as UpdateSilenceBody } from '@vigil/contracts';
