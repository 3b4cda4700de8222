import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'gatehouse:isPublic';

/** Opts a route (or a whole controller) out of the global bearer-token guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
