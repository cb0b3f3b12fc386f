/**
 * Said after a binomial label of -1: the -1/+1 labels of Vowpal Wabbit and of margin losses are
 * the commonest cause, and half a stream rejected for it leaves a model of one class.
 */
export const MINUS_ONE_LABELS = ' (labels -1/+1, as Vowpal Wabbit uses: send 0 for -1)';

/** Said after a binomial label that is text (`"yes"`, `"churned"`): what a binomial label is. */
export const BINOMIAL_LABELS = ' (binomial labels are 0 and 1, or true and false without quotes)';
