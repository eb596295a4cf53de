import { Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../access/access.decorators.js';
import { clientAddressOf } from '../access/principal.js';
import { SlackFormBody } from '../json-body.js';
import { SlackActions, type SlackReply } from './slack-actions.service.js';

/** Where Slack's Request URL for interactivity points; its body is kept as bytes (slackActionsRawBody) for the signature. */
export const SLACK_ACTIONS_PATH = '/api/v1/notifications/slack/actions';

/**
 * Slack's button clicks on Vigil's messages. No Vigil credential: Slack signs each request with the
 * app's signing secret (401 for a forged, stale or replayed one, nothing changed), and the click acts
 * with the rights of the Vigil user who has the clicking Slack user's email. Always answered within
 * 3 s with a line only that user sees.
 */
@Controller('api/v1/notifications/slack')
export class SlackActionsController {
  constructor(private readonly slack: SlackActions) {}

  @Post('actions')
  @Public()
  @SlackFormBody()
  @HttpCode(HttpStatus.OK)
  actions(@Req() req: Request): Promise<SlackReply> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    this.slack.verify(req.headers, raw);
    return this.slack.handle(raw, clientAddressOf(req));
  }
}
