/**
 * Word lists for the demo catalog (see demo-data.ts). Editing a list changes the
 * generated names, slugs and texts, which is fine for demo data, but tests that
 * pin seeded values have to follow.
 */

export interface CategoryWords {
  name: string;
  slug: string;
  description: string;
  /** What the category sells, e.g. "Side Table". */
  nouns: readonly string[];
  /** What those things are made of, e.g. "Oak". */
  materials: readonly string[];
}

export const CATEGORIES: readonly CategoryWords[] = [
  {
    name: 'Kitchen',
    slug: 'kitchen',
    description: 'Tools and cookware for everyday cooking.',
    nouns: ['Cutting Board', "Chef's Knife", 'Mixing Bowl', 'Saucepan', 'Skillet', 'Spice Rack', 'Utensil Set', 'Colander', 'Teapot', 'Serving Tray'],
    materials: ['Oak', 'Bamboo', 'Walnut', 'Stainless Steel', 'Copper', 'Ceramic', 'Cast Iron', 'Enamel'],
  },
  {
    name: 'Outdoor',
    slug: 'outdoor',
    description: 'Gear for camping, hiking and long evenings outside.',
    nouns: ['Camping Chair', 'Lantern', 'Hammock', 'Picnic Blanket', 'Water Bottle', 'Tent', 'Cooler', 'Fire Pit', 'Trekking Pole', 'Backpack'],
    materials: ['Canvas', 'Nylon', 'Aluminum', 'Steel', 'Cedar', 'Ripstop', 'Polyester'],
  },
  {
    name: 'Furniture',
    slug: 'furniture',
    description: 'Tables, chairs and storage built to last.',
    nouns: ['Side Table', 'Bookshelf', 'Armchair', 'Coffee Table', 'Desk', 'Bench', 'Stool', 'Nightstand', 'Dresser', 'Console Table'],
    materials: ['Oak', 'Walnut', 'Pine', 'Teak', 'Rattan', 'Steel', 'Maple', 'Birch'],
  },
  {
    name: 'Lighting',
    slug: 'lighting',
    description: 'Lamps and lights for every room.',
    nouns: ['Desk Lamp', 'Floor Lamp', 'Pendant Light', 'Wall Sconce', 'String Lights', 'Table Lamp', 'Night Light', 'Lantern'],
    materials: ['Brass', 'Glass', 'Linen', 'Paper', 'Aluminum', 'Ceramic', 'Walnut'],
  },
  {
    name: 'Bedding & Bath',
    slug: 'bedding-and-bath',
    description: 'Soft things for the bedroom and bathroom.',
    nouns: ['Throw Blanket', 'Bath Towel', 'Duvet Cover', 'Pillowcase Set', 'Bath Mat', 'Bathrobe', 'Quilt', 'Sheet Set'],
    materials: ['Cotton', 'Linen', 'Wool', 'Flannel', 'Bamboo', 'Waffle Cotton'],
  },
  {
    name: 'Garden',
    slug: 'garden',
    description: 'Planters, tools and everything for growing things.',
    nouns: ['Planter', 'Watering Can', 'Pruning Shears', 'Trowel', 'Bird Feeder', 'Raised Bed', 'Trellis', 'Garden Bench'],
    materials: ['Terracotta', 'Cedar', 'Zinc', 'Steel', 'Concrete', 'Galvanized Steel'],
  },
  {
    name: 'Office',
    slug: 'office',
    description: 'A tidier, calmer desk.',
    nouns: ['Notebook', 'Desk Organizer', 'Pen Holder', 'Monitor Stand', 'Letter Tray', 'Bookends', 'Desk Mat', 'Filing Box'],
    materials: ['Leather', 'Cork', 'Walnut', 'Felt', 'Steel', 'Acrylic', 'Recycled Paper'],
  },
  {
    name: 'Fitness',
    slug: 'fitness',
    description: 'Equipment for training at home.',
    nouns: ['Yoga Mat', 'Kettlebell', 'Jump Rope', 'Foam Roller', 'Dumbbell Set', 'Resistance Band', 'Gym Bag', 'Yoga Block'],
    materials: ['Cork', 'Rubber', 'Steel', 'Neoprene', 'Nylon', 'Foam'],
  },
  {
    name: 'Travel',
    slug: 'travel',
    description: 'Bags and helpers for the road.',
    nouns: ['Carry-On Suitcase', 'Duffel Bag', 'Packing Cubes', 'Passport Wallet', 'Toiletry Bag', 'Travel Pillow', 'Weekender Bag'],
    materials: ['Leather', 'Canvas', 'Nylon', 'Polycarbonate', 'Wool'],
  },
  {
    name: 'Decor',
    slug: 'decor',
    description: 'Finishing touches for the home.',
    nouns: ['Vase', 'Picture Frame', 'Wall Clock', 'Candle Holder', 'Mirror', 'Throw Pillow', 'Wall Hanging', 'Tray'],
    materials: ['Brass', 'Glass', 'Ceramic', 'Marble', 'Walnut', 'Linen', 'Stoneware'],
  },
];

export const ADJECTIVES: readonly string[] = [
  'Rustic', 'Modern', 'Classic', 'Compact', 'Handcrafted', 'Minimalist', 'Vintage', 'Essential',
  'Premium', 'Everyday', 'Nordic', 'Heritage', 'Artisan', 'Sleek', 'Cozy', 'Deluxe',
  'Lightweight', 'Sturdy', 'Coastal', 'Urban', 'Timeless', 'Signature', 'Studio', 'Alpine',
];

/** First sentence of a description: `{name}`, `{noun}`, `{material}` and `{category}` are filled in. */
export const DESCRIPTION_OPENERS: readonly string[] = [
  'The {name} brings a little calm to any home.',
  'Our {noun} is made from {material} and built for daily use.',
  'Made from {material}, this {noun} looks as good as it works.',
  'Meet the {name}: simple, honest and made to last.',
  'Designed in-house, the {name} is a favorite of our {category} team.',
  'This {noun} in {material} is one of our best sellers.',
];

export const DESCRIPTION_DETAILS: readonly string[] = [
  'Easy to clean and easy to love.',
  'Each piece varies slightly in grain and tone.',
  'Backed by our two-year warranty.',
  'Ships in plastic-free packaging.',
  'Tested by our team for months before it went on sale.',
  'Pairs well with the rest of the {category} collection.',
  'Sized to fit small spaces.',
  'Made in small batches by an independent workshop.',
  'Free returns within 30 days.',
  'Care instructions are included in the box.',
];

/** Review sentences by tone: index 0 for ratings 1–2, 1 for 3, 2 for 4–5. */
export const REVIEW_SENTENCES: readonly (readonly string[])[] = [
  [
    'Broke after a few weeks.',
    'Not as pictured.',
    'The finish was rough on the edges.',
    'Would not buy again.',
    'I returned it.',
    'Much smaller than I expected.',
    'Arrived damaged.',
  ],
  [
    'Does the job.',
    'Decent, but the color is a bit off.',
    'Took a while to arrive.',
    'Fine for the price.',
    'Not bad, not great.',
    'Assembly took longer than I hoped.',
    'It is okay.',
  ],
  [
    'Exactly as described.',
    'Great quality for the price.',
    'Arrived quickly and well packed.',
    'Looks even better in person.',
    'Would buy again.',
    'Sturdy and well made.',
    'My family loves it.',
    'Perfect gift.',
    'Five stars, no complaints.',
    'Use it every day.',
  ],
];

export const FIRST_NAMES: readonly string[] = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Oliver', 'Sophia', 'Elijah', 'Isabella', 'Lucas',
  'Mia', 'Mateo', 'Amelia', 'Leo', 'Harper', 'Ezra', 'Evelyn', 'Hiro', 'Aisha', 'Kofi',
  'Priya', 'Santiago', 'Yara', 'Chen', 'Fatima', 'Jonas', 'Ines', 'Tomas', 'Nadia', 'Ravi',
];

export const LAST_NAMES: readonly string[] = [
  'Smith', 'Johnson', 'Garcia', 'Martinez', 'Nguyen', 'Kim', 'Patel', 'Müller', 'Rossi', 'Silva',
  'Okafor', 'Cohen', 'Andersen', 'Kowalski', 'Tanaka', 'Dubois', 'Haddad', 'Larsen', 'Novak', 'Moreau',
  'Singh', 'Lopez', 'Brown', 'Wilson', 'Ivanova', 'Mensah', 'Park', 'Costa', 'Fischer', 'Walsh',
];
