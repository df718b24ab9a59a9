import { xmtpLiteProject } from '../../vitest.shared.ts'

export default xmtpLiteProject('conformance')
