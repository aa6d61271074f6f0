// The small text bundled for the text datasets (char_lm, next_word), about 5 KB.
//
// Source and licence: the rhymes are traditional English nursery rhymes in their common
// wording, all first printed before 1900 and in the public domain (e.g. J. O. Halliwell,
// "The Nursery Rhymes of England", 1842; "Mary Had a Little Lamb", Sarah Josepha Hale, 1830;
// "Twinkle, Twinkle, Little Star", Jane Taylor, 1806). The fables are Aesop's (public domain),
// retold in new words written for gradlab; those retellings are dedicated to the public domain.
#include "data/text.h"

GRADLAB_BEGIN

const std::vector<std::string_view>& bundled_text_pieces() {
  static const std::vector<std::string_view> pieces = {
      "Twinkle, twinkle, little star,\nHow I wonder what you are!\nUp above the world so high,\n"
      "Like a diamond in the sky.\nTwinkle, twinkle, little star,\nHow I wonder what you are!",

      "Mary had a little lamb,\nIts fleece was white as snow;\nAnd everywhere that Mary went\n"
      "The lamb was sure to go.\nIt followed her to school one day,\nWhich was against the rule;\n"
      "It made the children laugh and play\nTo see a lamb at school.",

      "Humpty Dumpty sat on a wall,\nHumpty Dumpty had a great fall;\nAll the king's horses and all the "
      "king's men\nCouldn't put Humpty together again.",

      "Jack and Jill went up the hill\nTo fetch a pail of water;\nJack fell down and broke his crown,\n"
      "And Jill came tumbling after.",

      "Hey diddle diddle,\nThe cat and the fiddle,\nThe cow jumped over the moon;\nThe little dog laughed\n"
      "To see such sport,\nAnd the dish ran away with the spoon.",

      "Little Miss Muffet\nSat on a tuffet,\nEating her curds and whey;\nAlong came a spider,\n"
      "Who sat down beside her\nAnd frightened Miss Muffet away.",

      "Baa, baa, black sheep,\nHave you any wool?\nYes sir, yes sir,\nThree bags full;\nOne for the master,\n"
      "And one for the dame,\nAnd one for the little boy\nWho lives down the lane.",

      "Hickory, dickory, dock,\nThe mouse ran up the clock.\nThe clock struck one,\nThe mouse ran down,\n"
      "Hickory, dickory, dock.",

      "Little Bo Peep has lost her sheep,\nAnd doesn't know where to find them;\nLeave them alone, and "
      "they'll come home,\nWagging their tails behind them.",

      "Little Boy Blue,\nCome blow your horn,\nThe sheep's in the meadow,\nThe cow's in the corn;\n"
      "But where is the boy\nWho looks after the sheep?\nHe's under a haystack,\nFast asleep.",

      "Old King Cole was a merry old soul,\nAnd a merry old soul was he;\nHe called for his pipe,\n"
      "And he called for his bowl,\nAnd he called for his fiddlers three.",

      "Sing a song of sixpence,\nA pocket full of rye;\nFour and twenty blackbirds,\nBaked in a pie.\n"
      "When the pie was opened,\nThe birds began to sing;\nWasn't that a dainty dish,\nTo set before the king?",

      "Three blind mice, three blind mice,\nSee how they run, see how they run!\nThey all ran after the "
      "farmer's wife,\nWho cut off their tails with a carving knife;\nDid you ever see such a thing in your "
      "life\nAs three blind mice?",

      "Pease porridge hot,\nPease porridge cold,\nPease porridge in the pot,\nNine days old.",

      "Little Jack Horner\nSat in the corner,\nEating a Christmas pie;\nHe put in his thumb,\n"
      "And pulled out a plum,\nAnd said, What a good boy am I!",

      "One, two,\nBuckle my shoe;\nThree, four,\nKnock at the door;\nFive, six,\nPick up sticks;\n"
      "Seven, eight,\nLay them straight;\nNine, ten,\nA big fat hen.",

      "Jack Sprat could eat no fat,\nHis wife could eat no lean;\nAnd so between them both, you see,\n"
      "They licked the platter clean.",

      "Mary, Mary, quite contrary,\nHow does your garden grow?\nWith silver bells and cockle shells,\n"
      "And pretty maids all in a row.",

      "Hot cross buns!\nHot cross buns!\nOne a penny, two a penny,\nHot cross buns!",

      "Rain, rain, go away,\nCome again another day.",

      "The Fox and the Grapes.\nA hungry fox saw some fine bunches of grapes hanging from a vine high on a "
      "wall. He jumped and jumped, but he could not reach them. At last he walked away and said to himself, "
      "Those grapes are sour, and I did not want them anyway. It is easy to scorn what you cannot have.",

      "The Tortoise and the Hare.\nA hare laughed at a tortoise for being so slow, so the tortoise asked him "
      "to run a race. The hare ran far ahead, and then he lay down under a tree to sleep. The tortoise walked "
      "on and on, slowly and steadily, and never stopped. When the hare woke up, the tortoise was already at "
      "the finish. Slow and steady wins the race.",

      "The Lion and the Mouse.\nA lion caught a little mouse and was about to eat him. Please let me go, said "
      "the mouse, and one day I will help you. The lion laughed and let him go. Some days later the lion was "
      "caught in a hunter's net. The mouse heard him roar, ran to the net and chewed the ropes until the lion "
      "was free. Little friends may prove great friends.",

      "The Crow and the Pitcher.\nA thirsty crow found a pitcher with a little water at the bottom, but her "
      "beak could not reach it. She dropped pebbles into the pitcher, one by one, until the water rose to the "
      "top, and then she drank. Little by little does the trick.",

      "The Boy Who Cried Wolf.\nA shepherd boy was bored on the hill, so he shouted, Wolf! Wolf! The villagers "
      "ran up to help him, but there was no wolf, and the boy laughed. He did the same thing again the next "
      "day. Then a real wolf came out of the forest. The boy cried Wolf! as loud as he could, but nobody came, "
      "and the wolf ate the sheep. Nobody believes a liar, even when he tells the truth.",
  };
  return pieces;
}

GRADLAB_END
