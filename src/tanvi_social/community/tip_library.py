"""The starter library of style tips, inserted by the community migration.

Each entry: (title, body, category, style_tags, difficulty). Append-only: a tip added later needs
its own migration, so ids stay stable for the tips already served and saved.
"""

from __future__ import annotations

TIPS: list[tuple[str, str, str, list[str], str]] = [
    # colour
    ("Build around three neutrals",
     "Pick three neutrals you love (say navy, camel and ivory) and buy basics only in those. "
     "Everything then pairs with everything, and one bright piece is enough to finish a look.",
     "color", ["minimalist", "classic", "workwear"], "easy"),
    ("The 60-30-10 colour split",
     "Borrow the decorator's rule: about 60% of the outfit in a main colour, 30% in a second and "
     "10% in an accent (a bag, scarf or shoe). It reads as deliberate without trying hard.",
     "color", ["classic", "minimalist", "glam"], "easy"),
    ("Tonal dressing looks expensive",
     "Wear several shades of one colour, from light to dark, in different textures: a cream knit, "
     "oatmeal trousers, a camel coat. The texture change keeps it from looking flat.",
     "color", ["minimalist", "classic"], "medium"),
    ("Colour near the face",
     "Put the colours that flatter your skin closest to your face (tops, scarves, earrings). "
     "Colours that wash you out can still work as trousers, skirts and shoes.",
     "color", ["classic", "romantic", "casual"], "easy"),
    ("Try complementary accents",
     "Opposites on the colour wheel (cobalt and orange, purple and mustard) make each other look "
     "brighter. Keep one of them small: an accessory rather than a second big piece.",
     "color", ["edgy", "streetwear", "glam"], "medium"),
    ("Denim counts as a neutral",
     "Mid and dark washes pair with nearly every colour. When unsure what goes with a bold top, "
     "the answer is usually your best pair of jeans.",
     "color", ["casual", "streetwear", "classic"], "easy"),
    ("Black and navy together",
     "Black with navy is a quiet, modern pairing once you make it clearly intentional: "
     "a navy coat over an all-black outfit, rather than two nearly-matching darks side by side.",
     "color", ["minimalist", "workwear", "edgy"], "medium"),
    ("Prints: match one colour",
     "To wear a print with a solid, pull the solid's colour from the print's smallest shade. "
     "It ties the look together more subtly than matching the dominant colour.",
     "color", ["bohemian", "romantic", "vintage"], "easy"),
    # fit and proportion
    ("Tailoring is the cheapest upgrade",
     "A hem taken up, sleeves shortened or a waist taken in costs little and makes a high-street "
     "piece look made for you. Budget for it when you buy.",
     "fit", ["classic", "workwear", "minimalist"], "easy"),
    ("Check the shoulder seam",
     "Jackets and coats can be altered almost anywhere except the shoulders. The seam should sit "
     "at the edge of your shoulder bone; buy for the shoulders and tailor the rest.",
     "fit", ["classic", "workwear"], "easy"),
    ("Balance volume",
     "Pair a voluminous piece with a fitted one: a wide-leg trouser with a close knit, a slim "
     "skirt with an oversized shirt. Volume top and bottom at once needs a defined waist.",
     "fit", ["minimalist", "streetwear", "casual"], "easy"),
    ("The half tuck",
     "Tucking just the front of a loose top defines the waist and shows the trouser's rise "
     "without the formality of a full tuck.",
     "fit", ["casual", "streetwear", "bohemian"], "easy"),
    ("Trouser length for your shoes",
     "Wide and straight trousers should just graze the top of the shoe you wear most with them; "
     "cropped styles look best ending at the narrowest part of the ankle.",
     "fit", ["workwear", "classic", "minimalist"], "medium"),
    ("Sit down in the fitting room",
     "Sit, reach and crouch before buying. Gaping buttons, riding hems and tight thighs show up "
     "only when you move, and they are what makes a piece stay in the wardrobe.",
     "fit", ["casual", "workwear", "athleisure"], "easy"),
    ("Rise changes everything",
     "High-rise bottoms lengthen the leg and suit cropped tops; mid-rise is easiest with longer "
     "tops. Learn which rise you reach for and buy that consistently.",
     "fit", ["casual", "vintage", "streetwear"], "easy"),
    ("Define the waist with a belt",
     "A belt over a shirt dress, long cardigan or blazer turns a straight shape into a waisted "
     "one. Place it at your natural waist for balance, or lower for a relaxed look.",
     "fit", ["romantic", "classic", "bohemian"], "easy"),
    ("Oversized, not just bigger",
     "Good oversized pieces are cut that way: dropped shoulders, longer sleeves, generous body. "
     "Sizing up a regular cut usually only makes the shoulders and length wrong.",
     "fit", ["streetwear", "minimalist", "edgy"], "medium"),
    # layering
    ("Layer from thin to thick",
     "Start with the thinnest, closest layer and build outwards. Each layer slightly shorter or "
     "longer than the next shows the layering off instead of hiding it.",
     "layering", ["casual", "classic", "bohemian"], "easy"),
    ("The third piece",
     "A jacket, cardigan, vest or long open shirt over a simple top and bottom is the fastest way "
     "to make an outfit look finished.",
     "layering", ["casual", "workwear", "preppy"], "easy"),
    ("Shirt under a knit",
     "A collared shirt under a crew-neck jumper, with the collar and a little cuff showing, is a "
     "smart-casual classic that also adds warmth.",
     "layering", ["preppy", "classic", "workwear"], "easy"),
    ("Dresses over trousers",
     "A slip or shirt dress over straight trousers stretches a summer dress into autumn and "
     "reads modern rather than costume-like.",
     "layering", ["bohemian", "modest", "minimalist"], "medium"),
    ("Thermal base layers",
     "A thin merino or silk base layer keeps you warm without bulk, so your coat and knit fit "
     "the way they were designed to.",
     "layering", ["athleisure", "casual", "sustainable"], "easy"),
    # accessories
    ("One statement at a time",
     "Choose one focal accessory (bold earrings, a sculptural bag, a patterned scarf) and keep "
     "the rest quiet, so the eye knows where to land.",
     "accessories", ["glam", "minimalist", "classic"], "easy"),
    ("Match metals loosely",
     "Mixing gold and silver works when you repeat each at least twice, or when one piece "
     "already combines both. A single stray metal looks accidental.",
     "accessories", ["glam", "edgy", "bohemian"], "medium"),
    ("A good belt changes cheap trousers",
     "Leather, plain buckle, in a colour that matches your shoes. It is worn most days and "
     "quietly makes inexpensive trousers and jeans look better.",
     "accessories", ["classic", "workwear", "preppy"], "easy"),
    ("Scarves add colour safely",
     "If you are unsure about colour, try it in a scarf first. It sits near the face, is easy to "
     "remove, and costs little compared with a coat in the same shade.",
     "accessories", ["classic", "romantic", "vintage"], "easy"),
    ("Bag proportions",
     "A larger frame carries a larger bag comfortably; a petite frame looks sharper with "
     "medium and small shapes. Shoulder bags should end near your hip bone.",
     "accessories", ["classic", "glam", "workwear"], "medium"),
    ("Stack jewellery in odd numbers",
     "Three or five bracelets, rings or necklaces of different widths look curated; pairs look "
     "matched. Vary the texture: a chain, a bead, a plain band.",
     "accessories", ["bohemian", "edgy", "glam"], "easy"),
    ("Sunglasses for your face shape",
     "Frames that contrast your face shape flatter most: angular frames for round faces, round "
     "frames for square faces, and almost anything for oval faces.",
     "accessories", ["glam", "casual", "vintage"], "easy"),
    ("Hats finish a simple outfit",
     "A felt hat, cap or beret turns jeans and a coat into a look. Keep the hat's colour in "
     "the same family as your coat or shoes.",
     "accessories", ["vintage", "bohemian", "streetwear"], "medium"),
    # footwear
    ("Shoes set the formality",
     "The same dress reads casual with trainers, polished with loafers and evening with heels. "
     "Change the shoes first when an outfit feels wrong for the occasion.",
     "footwear", ["casual", "classic", "workwear"], "easy"),
    ("Clean white trainers",
     "Plain leather trainers in white go with jeans, suits and dresses. Keep them clean with "
     "a damp cloth and a magic eraser; scuffed ones undo the look.",
     "footwear", ["minimalist", "streetwear", "athleisure"], "easy"),
    ("Nude-to-you shoes lengthen legs",
     "Shoes close to your skin tone extend the line of the leg, especially with skirts and "
     "cropped trousers.",
     "footwear", ["classic", "glam", "romantic"], "easy"),
    ("Boots and hemlines",
     "Leave a little skin or tights between a skirt hem and boot top, or let the hem cover the "
     "shaft completely. A hem ending exactly at the boot top cuts the leg.",
     "footwear", ["bohemian", "edgy", "vintage"], "medium"),
    ("Rotate your shoes",
     "Leather needs a day to dry out from foot moisture. Alternating pairs and using cedar shoe "
     "trees can double the life of good shoes.",
     "footwear", ["classic", "sustainable", "workwear"], "easy"),
    # care
    ("Wash less, cold and inside out",
     "Most clothes are worn out by washing, not by wearing. Air between wears, wash at 30°C "
     "inside out, and denim and knits keep their colour and shape for years.",
     "care", ["sustainable", "minimalist", "casual"], "easy"),
    ("De-pill knitwear",
     "A fabric shaver or cashmere comb removes bobbling in minutes and makes a tired jumper "
     "look new. Pills come from friction, so also check bag straps and seatbelts.",
     "care", ["classic", "sustainable"], "easy"),
    ("Fold knits, hang wovens",
     "Knitwear stretches on hangers; fold it. Shirts, blazers and dresses keep their shape on "
     "shaped wooden or velvet hangers.",
     "care", ["classic", "minimalist", "sustainable"], "easy"),
    ("Steam instead of iron",
     "A hand steamer is gentler on fabrics, quick on dresses and trousers and freshens garments "
     "between washes.",
     "care", ["workwear", "glam", "sustainable"], "easy"),
    ("Treat stains immediately",
     "Blot, never rub. Cold water for protein stains (blood, sweat, egg), a drop of washing-up "
     "liquid for grease, and never heat until the stain is gone.",
     "care", ["casual", "sustainable"], "medium"),
    ("Resole before it is too late",
     "A cobbler can resole leather shoes and replace heel tips for a fraction of a new pair, as "
     "long as the upper is still sound. Do it before you wear through to the midsole.",
     "care", ["classic", "sustainable", "vintage"], "medium"),
    # wardrobe planning
    ("The 30-wears test",
     "Before buying, ask whether you will wear it at least 30 times. If you cannot name three "
     "outfits with pieces you already own, leave it.",
     "wardrobe", ["sustainable", "minimalist", "classic"], "easy"),
    ("Cost per wear",
     "Divide the price by the times you expect to wear a piece. A coat worn 200 times costs less "
     "per wear than a bargain top worn twice.",
     "wardrobe", ["sustainable", "classic", "workwear"], "easy"),
    ("Photograph outfits that work",
     "When an outfit feels right, take a photo. On busy mornings a folder of proven looks beats "
     "staring at the wardrobe.",
     "wardrobe", ["casual", "workwear", "streetwear"], "easy"),
    ("Turn the hangers",
     "At the start of a season hang everything backwards; turn a hanger round when you wear the "
     "piece. After three months the untouched hangers show what to let go.",
     "wardrobe", ["minimalist", "sustainable"], "easy"),
    ("Build a capsule for travel",
     "Pack around one colour story: two bottoms, four tops, one layer and two pairs of shoes give "
     "more than ten outfits and fit a carry-on.",
     "wardrobe", ["minimalist", "casual", "classic"], "medium"),
    ("Shop your gaps, not the sale",
     "Keep a short list of what is actually missing (a black knit, a rain jacket) and shop from "
     "it. Sales are for list items you find cheaper, not new ideas.",
     "wardrobe", ["sustainable", "minimalist", "classic"], "easy"),
    ("Swap before you shop",
     "A clothes swap with friends refreshes a wardrobe at no cost and gives pieces a second life. "
     "Bring clean items you would still be happy to wear.",
     "wardrobe", ["sustainable", "vintage", "bohemian"], "easy"),
    ("Buy second-hand classics",
     "Wool coats, leather bags and denim age well and are plentiful second-hand. Check seams, "
     "linings and zips, and budget for a clean or a repair.",
     "wardrobe", ["vintage", "sustainable", "classic"], "medium"),
    ("Uniform dressing",
     "Many stylish people repeat one formula (wide trousers, fine knit, loafers) in different "
     "colours. It saves time and builds a recognisable personal style.",
     "wardrobe", ["minimalist", "workwear"], "medium"),
    # occasions
    ("Decode smart casual",
     "Smart casual usually means no trainers or T-shirts with slogans, but no suit either: dark "
     "jeans or chinos, a collared shirt or fine knit, and leather shoes or clean trainers.",
     "occasion", ["workwear", "preppy", "classic"], "easy"),
    ("Wedding guest rules",
     "Avoid white and anything that could be mistaken for it in photos, check the dress code on "
     "the invitation, and bring a layer for the evening.",
     "occasion", ["romantic", "glam", "classic"], "easy"),
    ("Interview outfits",
     "Dress one step smarter than the team you are meeting. Choose pieces you have worn before so "
     "nothing pinches or needs adjusting while you talk.",
     "occasion", ["workwear", "classic", "minimalist"], "easy"),
    ("Festival layering",
     "Plan for sun, rain and cold nights: a light waterproof, a warm layer tied round the waist "
     "and broken-in boots beat a perfect outfit that fails at 2 a.m.",
     "occasion", ["bohemian", "casual", "streetwear"], "easy"),
    ("Black tie without a gown",
     "A floor-length skirt with a silk top, or a sharply cut tuxedo suit, is correct for black tie "
     "and easier to wear again than a one-off gown.",
     "occasion", ["glam", "classic", "modest"], "advanced"),
    ("Date night: one thing you love",
     "Wear one piece that makes you feel great and keep the rest comfortable. Confidence shows "
     "more than any trend.",
     "occasion", ["romantic", "glam", "casual"], "easy"),
    ("Dressing for video calls",
     "Solid, mid-tone colours read best on camera; tight stripes and small checks flicker. A "
     "structured collar or jacket holds its shape on screen.",
     "occasion", ["workwear", "minimalist"], "easy"),
    ("Travel day outfit",
     "Soft trousers with a waistband that does not dig in, layers you can remove, shoes that "
     "slip off at security, and a scarf that doubles as a blanket.",
     "occasion", ["athleisure", "casual", "minimalist"], "easy"),
    # fabric and quality
    ("Read the fabric label",
     "Natural fibres (wool, cotton, linen, silk) breathe and age better; a little elastane helps "
     "fit. Check for fully lined jackets and pattern matching at the seams.",
     "fabric", ["classic", "sustainable"], "medium"),
    ("Linen is meant to crease",
     "Embrace linen's wrinkles in summer, or choose linen-cotton blends if you need a crisper "
     "look for work.",
     "fabric", ["bohemian", "casual", "minimalist"], "easy"),
    ("Mix textures in one outfit",
     "Pair smooth with rough: silk with chunky knit, leather with cashmere, denim with satin. "
     "Texture adds interest even in a single colour.",
     "fabric", ["minimalist", "glam", "edgy"], "medium"),
    ("Merino for every season",
     "Fine merino regulates temperature, resists odour and can be worn several times between "
     "washes, which makes it ideal for travel and layering.",
     "fabric", ["athleisure", "sustainable", "minimalist"], "easy"),
    # style moves
    ("Roll sleeves the smart way",
     "The master roll: fold the cuff up to just below the elbow, then fold the bottom edge up "
     "again to lock it, leaving a sliver of cuff showing.",
     "styling", ["casual", "preppy", "workwear"], "easy"),
    ("Wear sportswear off the pitch",
     "Pair one athletic piece (track jacket, leggings, running shoes) with tailored or "
     "polished pieces so it looks intentional rather than post-gym.",
     "styling", ["athleisure", "streetwear"], "medium"),
    ("Modest layering with drape",
     "Long open layers, wide trousers and midi skirts give coverage while adding movement; pick "
     "fluid fabrics like crepe and viscose so layers do not add bulk.",
     "styling", ["modest", "romantic", "minimalist"], "medium"),
    ("Vintage with one modern piece",
     "Ground a vintage dress or jacket with one current piece (modern trainers, a contemporary "
     "bag) so the outfit looks styled, not like a costume.",
     "styling", ["vintage", "streetwear", "bohemian"], "medium"),
    ("Leather jacket over anything",
     "A leather jacket adds edge to soft pieces: over a floral dress, a knit skirt or a suit. "
     "Keep it fitted at the shoulders and ending at the hip.",
     "styling", ["edgy", "romantic", "casual"], "easy"),
    ("Preppy without looking like a uniform",
     "Take one preppy staple (a cable knit, a pleated skirt, loafers) and pair it with something "
     "relaxed so the look feels personal, not borrowed.",
     "styling", ["preppy", "classic", "casual"], "medium"),
    ("Graphic tees with tailoring",
     "A good graphic T-shirt under a blazer with straight trousers is an easy high-low look; "
     "keep the tee's colours in line with the blazer.",
     "styling", ["streetwear", "edgy", "workwear"], "easy"),
    ("Sequins in daylight",
     "Wear one sparkly piece with everyday basics (a sequin skirt with a grey sweatshirt) to "
     "make evening pieces work by day.",
     "styling", ["glam", "streetwear", "edgy"], "advanced"),
]
